// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// "Did you mean": the edit distance between two words and the closest of some candidates, for
/// messages that name a likely typo (an unknown plan field, a mistyped option).

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meterkit::detail {

/// The number of single-character edits (insert, delete, replace, swap two neighbours) between
/// `a` and `b`, for "did you mean".
[[nodiscard]] inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
[[nodiscard]] inline std::optional<std::string_view> closest_word(
    std::string_view word, std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string_view c : candidates) {
    const std::size_t distance = edit_distance(word, c);
    if (distance < best_distance) {
      best = c;
      best_distance = distance;
    }
  }
  return best;
}

/// What to add to "no X has the id `word`" so that the message helps: `; did you mean "mtr_api"?`
/// when one of the `known` ids is close, else `; known ids: a, b, c` (the first 5, then how many
/// more), or `; none is defined` when there are none.
template <class Ids, class IdOf>
[[nodiscard]] std::string known_ids_hint(std::string_view word, const Ids& known, IdOf&& id_of) {
  std::vector<std::string_view> ids;
  for (const auto& k : known) ids.push_back(id_of(k));
  if (ids.empty()) return "; none is defined";
  if (const auto near = closest_word(word, ids)) return "; did you mean \"" + std::string(*near) + "\"?";
  std::string out = "; known ids: ";
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) out += (i == 0 ? "" : ", ") + std::string(ids[i]);
  if (ids.size() > 5) out += " and " + std::to_string(ids.size() - 5) + " more";
  return out;
}

}  // namespace meterkit::detail
