// SPDX-License-Identifier: MIT
#include <meterkit/detail/edit_distance.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace {
std::string hint(std::string_view word, const std::vector<std::string>& known) {
  return meterkit::detail::known_ids_hint(word, known,
                                          [](const std::string& s) -> std::string_view { return s; });
}
}  // namespace

BOOST_AUTO_TEST_SUITE(core_did_you_mean)

/// D11: an unknown id in a plan names the closest known one, else lists the known ones (five at
/// most), else says there are none.
BOOST_AUTO_TEST_CASE(D11_an_unknown_id_names_the_closest_or_the_known_ones) {
  struct row {
    std::string word;
    std::vector<std::string> known;
    std::string expected;
  };
  const std::vector<row> rows{
      {"mtr_apj", {"mtr_api", "mtr_storage"}, "; did you mean \"mtr_api\"?"},
      {"price_api_2", {"price_api", "price_api_20"}, "; did you mean \"price_api_20\"?"},
      {"zzz", {"mtr_api", "mtr_storage"}, "; known ids: mtr_api, mtr_storage"},
      {"zzz",
       {"a1", "b22", "c333", "d4444", "e55555", "f666666", "g7777777"},
       "; known ids: a1, b22, c333, d4444, e55555 and 2 more"},
      {"mtr_api", {}, "; none is defined"},
  };
  for (const auto& r : rows) BOOST_TEST(hint(r.word, r.known) == r.expected, r.word);
  BOOST_TEST(meterkit::detail::edit_distance("timestmap", "timestamp") == 1u);  // a swap is one edit
}

BOOST_AUTO_TEST_SUITE_END()
