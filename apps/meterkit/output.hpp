// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `meterkit` program's printers (CONTRACT.md `simulate` and `summarize` output): JSON for
/// scripts (field names are part of the contract), an aligned table for people, and CSV with one
/// row per invoice line. The printers of a simulation write a record at a time (an invoice, a
/// rejection, a late usage entry), so that a run holds none of them all at once (D30,
/// simulation_output.hpp); the others return the whole text.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <meterkit/billing/tier_breakdown.hpp>
#include <meterkit/stripe.hpp>

namespace meterkit::cli {

enum class output_format { table, json, csv, stripe_json };

/// How a table is shown for people (docs/cli.md "Table output"): lines kept under `width`
/// columns where they can be (0: no limit; on a terminal, its width), and colour for an invoice's
/// status and for rejections (on a terminal, or with --color always).
struct table_style {
  std::size_t width = 0;
  bool colour = false;
};

/// Rejected operations and late usage shown in a table before "... and N more" (JSON and CSV
/// always hold everything).
inline constexpr std::size_t table_list_limit = 100;

namespace detail {

using ordered_json = nlohmann::ordered_json;

/// Money for people: minor units in major units with the currency code, `57.02 usd` (D25).
[[nodiscard]] inline std::string money(std::int64_t amount, std::string_view code) {
  const int exponent = currency::is_valid_code(code) ? minor_unit_exponent(code) : 2;
  return format_minor_units(amount, exponent) + " " + std::string(code);
}

/// An exact amount in minor units (`decimal`) written in major units with the currency code, all
/// its digits kept: 1.5 cents is `0.015 usd` (a tier's part, P3, before the line is rounded).
[[nodiscard]] inline std::string exact_money(const decimal& minor, std::string_view code) {
  const int exponent = currency::is_valid_code(code) ? minor_unit_exponent(code) : 2;
  std::string digits = minor.to_string();
  const bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.erase(0, 1);
  const auto point = digits.find('.');
  std::string whole = point == std::string::npos ? digits : digits.substr(0, point);
  std::string fraction = point == std::string::npos ? std::string() : digits.substr(point + 1);
  while (whole.size() <= static_cast<std::size_t>(exponent)) whole.insert(0, 1, '0');
  fraction.insert(0, whole.substr(whole.size() - static_cast<std::size_t>(exponent)));
  whole.erase(whole.size() - static_cast<std::size_t>(exponent));
  while (fraction.size() > static_cast<std::size_t>(exponent) && fraction.back() == '0') fraction.pop_back();
  return (negative ? "-" : "") + whole + (fraction.empty() ? "" : "." + fraction) + " " + std::string(code);
}

/// The tiered price of each line, by price id (P3): for showing how a tiered amount came about.
class tiered_prices {
 public:
  explicit tiered_prices(const plan* p) {
    if (p == nullptr) return;
    for (const auto& pr : p->prices)
      if (pr.billing_scheme == billing_scheme::tiered) by_id_.emplace_back(pr.id, &pr);
  }
  /// The parts of `line`'s amount, when its price is tiered and its amount is not prorated or a trial's.
  [[nodiscard]] std::vector<tier_part> parts_of(const invoice_line& line) const {
    if (line.proration || line.trial || line.after_threshold) return {};
    for (const auto& [id, pr] : by_id_)
      if (id == line.price) return tier_breakdown(*pr, line.quantity);
    return {};
  }

 private:
  std::vector<std::pair<std::string_view, const price*>> by_id_;
};

/// Columns aligned for people: left-aligned text, right-aligned numbers.
class text_table {
 public:
  explicit text_table(std::vector<std::string> header, std::vector<bool> right_aligned)
      : right_(std::move(right_aligned)) {
    rows_.push_back(std::move(header));
  }
  /// Adds a row; control characters from inputs are escaped (`\x1b`) before widths are measured.
  void add(std::vector<std::string> row) {
    for (auto& cell : row) cell = meterkit::detail::printable(cell);
    rows_.push_back(std::move(row));
  }
  /// The widest line `render` makes without a width limit, in characters.
  [[nodiscard]] std::size_t width(std::string_view indent = "  ") const {
    std::size_t total = indent.size();
    const auto w = widths();
    std::size_t used = w.size();
    while (used > 1 && w[used - 1] == 0) --used;  // empty trailing columns are trimmed
    for (std::size_t c = 0; c < used; ++c) total += w[c] + (c != 0 ? 2 : 0);
    return total;
  }

  /// The rows, aligned. With `style.width`, a last column of text that would run past it is
  /// wrapped at spaces onto lines of its own, under where it starts, when at least 24 characters
  /// are left for it (a word longer than that stays whole).
  [[nodiscard]] std::string render(const table_style& style = {}, std::string_view indent = "  ") const {
    const std::vector<std::size_t> width = widths();
    const std::size_t last = width.size() - 1;
    std::size_t start = indent.size();  // where the last column starts
    for (std::size_t c = 0; c < last; ++c) start += width[c] + 2;
    const bool wrap = style.width != 0 && !(last < right_.size() && right_[last]) &&
                      start + width[last] > style.width && style.width >= start + 24;
    std::string out;
    for (const auto& row : rows_) {
      const std::size_t begin = out.size();  // the line is written in place
      out += indent;
      for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
        const std::size_t pad = width[c] - meterkit::detail::character_count(row[c]);
        const bool right = c < right_.size() && right_[c];
        if (c != 0) out += "  ";
        if (right) out.append(pad, ' ');
        if (wrap && c == last) {
          out += wrapped(row[c], style.width - start, std::string(start, ' '));
        } else {
          out += row[c];
        }
        if (!right && c + 1 < row.size()) out.append(pad, ' ');
      }
      while (out.size() > begin && out.back() == ' ') out.pop_back();
      out += '\n';
    }
    return out;
  }

 private:
  [[nodiscard]] std::vector<std::size_t> widths() const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
        width[c] = std::max(width[c], meterkit::detail::character_count(row[c]));
    }
    return width;
  }

  /// `text` broken at spaces into pieces of at most `room` characters, joined by a line break and
  /// `margin`.
  [[nodiscard]] static std::string wrapped(std::string_view text, std::size_t room,
                                           const std::string& margin) {
    std::string out;
    std::size_t used = 0;
    while (!text.empty()) {
      const std::size_t space = text.find(' ');
      const std::string_view word = text.substr(0, space);
      const std::size_t n = meterkit::detail::character_count(word);
      if (used != 0 && used + 1 + n > room) {
        out += "\n" + margin;
        used = 0;
      } else if (used != 0) {
        out += ' ';
        ++used;
      }
      out += word;
      used += n;
      text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    }
    return out;
  }

  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
};

/// `text` in an ANSI colour (31 red, 32 green, 33 yellow, 36 cyan) when `on`.
[[nodiscard]] inline std::string coloured(const std::string& text, int colour, bool on) {
  if (!on) return text;
  return "\033[" + std::to_string(colour) + "m" + text + "\033[0m";
}

/// A time for a table: RFC 3339, or only its date when `compact` and it is a UTC midnight (a
/// narrow terminal).
[[nodiscard]] inline std::string table_time(timestamp t, bool compact) {
  std::string text = format_rfc3339(t);
  if (compact && text.size() == 20 && text.compare(10, 10, "T00:00:00Z") == 0) text.resize(10);
  return text;
}

/// Whether `s` is a plain decimal number (`-3644`, `+2`, `0.5`), which a spreadsheet reads as a
/// number, not as a formula.
[[nodiscard]] inline bool is_plain_number(std::string_view s) {
  std::size_t i = s.empty() || (s[0] != '+' && s[0] != '-') ? 0 : 1;
  const auto digits = [&] {
    const std::size_t first = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > first;
  };
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. A field that
/// a spreadsheet would take for a formula (it starts with `=`, `+`, `-` or `@` and is not a
/// number) gets a leading `'`, so that opening an output never runs what an input said.
[[nodiscard]] inline std::string csv_field(std::string_view text) {
  std::string guarded;
  std::string_view s = text;
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') && !is_plain_number(s)) {
    guarded = "'" + std::string(s);
    s = guarded;
  }
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

[[nodiscard]] inline std::string csv_row(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i != 0) out += ',';
    out += csv_field(cells[i]);
  }
  return out + "\n";
}

[[nodiscard]] inline std::string time_text(timestamp t) { return format_rfc3339(t); }

}  // namespace detail

namespace detail {

/// JSON text written as it goes, laid out as `ordered_json::dump(2)` lays it out (two-space
/// indentation, `"key": value`, `[]` and `{}` when empty), without building a tree: the output of
/// a run with many invoices costs no allocation per value. Strings that need no escape are copied;
/// any other string is escaped by nlohmann's own dump (invalid UTF-8 repaired), so the bytes are
/// those of the tree printer.
class json_writer {
 public:
  explicit json_writer(std::string& out) : out_(out) {}
  /// A writer inside `depth` open containers: for a piece written apart (`json_piece`).
  json_writer(std::string& out, std::size_t depth) : out_(out), levels_(depth) {}

  /// A value written apart (`json_piece`): placed as the next item, as it is.
  void raw(std::string_view text) {
    next_item();
    out_.append(text);
  }
  /// Whether the writer is inside no container.
  [[nodiscard]] std::size_t depth() const noexcept { return levels_.size(); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  /// The next member's name (inside an object; its value follows).
  void key(std::string_view name) {
    next_item();
    string_text(name);
    out_ += ": ";
    after_key_ = true;
  }
  void value(std::string_view s) {
    next_item();
    string_text(s);
  }
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(bool b) {
    next_item();
    out_ += b ? "true" : "false";
  }
  void null_value() {
    next_item();
    out_ += "null";
  }
  template <class Int>
  requires std::is_integral_v<Int> &&(!std::is_same_v<Int, bool>)void value(Int n) {
    next_item();
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out_.append(digits, end);
  }
  /// `"name": value`.
  template <class T>
  void member(std::string_view name, const T& v) {
    key(name);
    value(v);
  }

 private:
  struct level {
    std::size_t items = 0;
  };

  void open(char bracket) {
    next_item();
    out_ += bracket;
    levels_.push_back(level{});
  }
  void close(char bracket) {
    const level done = levels_.back();
    levels_.pop_back();
    if (done.items != 0) {
      out_ += '\n';
      indent();
    }
    out_ += bracket;
  }
  /// Before a value or a key: the separator and the line break of the enclosing container (none
  /// right after a key: the value follows on the key's line).
  void next_item() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (levels_.empty()) return;
    out_.append(levels_.back().items++ != 0 ? ",\n" : "\n");
    indent();
  }
  void indent() { out_.append(2 * levels_.size(), ' '); }

  void string_text(std::string_view s) {
    const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
    });
    if (plain) {
      const std::size_t at = out_.size();
      out_.resize(at + s.size() + 2);
      out_[at] = '"';
      s.copy(out_.data() + at + 1, s.size());
      out_[at + 1 + s.size()] = '"';
      return;
    }
    out_ += ordered_json(std::string(s)).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  }

  std::string& out_;
  std::vector<level> levels_;
  bool after_key_ = false;
};

inline void period_members(json_writer& w, const period& p) {
  w.begin_object();
  w.member("start", to_unix(p.start));
  w.member("end", to_unix(p.end));
  w.end_object();
}

/// Amounts summed per name over an invoice's lines, in the order the names first appear: `of(line)`
/// gives a line's (name, amount) pairs.
template <class Of>
[[nodiscard]] std::vector<std::pair<std::string, std::int64_t>> summed_by_name(const invoice& inv, Of&& of) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& l : inv.lines) {
    for (auto&& entry : of(l)) {  // not a structured binding: clang 14 cannot capture one in a lambda
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == entry.first; });
      if (it == out.end())
        out.push_back(std::move(entry));
      else
        it->second += entry.second;
    }
  }
  return out;
}

/// An invoice's discounts summed per coupon (B11).
[[nodiscard]] inline std::vector<std::pair<std::string, std::int64_t>> discounts_by_coupon(
    const invoice& inv) {
  return summed_by_name(inv, [](const invoice_line& l) {
    std::vector<std::pair<std::string, std::int64_t>> v;
    for (const auto& d : l.discount_amounts) v.emplace_back(d.coupon, d.amount);
    return v;
  });
}

/// An invoice's credits summed per credit grant (B14).
[[nodiscard]] inline std::vector<std::pair<std::string, std::int64_t>> credits_by_grant(const invoice& inv) {
  return summed_by_name(inv, [](const invoice_line& l) {
    std::vector<std::pair<std::string, std::int64_t>> v;
    for (const auto& c : l.credit_amounts) v.emplace_back(c.credit_grant, c.amount);
    return v;
  });
}

/// An invoice's taxes summed per tax rate, an inclusive one named "(included)" (B12).
[[nodiscard]] inline std::vector<std::pair<std::string, std::int64_t>> taxes_by_rate(const invoice& inv) {
  return summed_by_name(inv, [](const invoice_line& l) {
    std::vector<std::pair<std::string, std::int64_t>> v;
    for (const auto& t : l.tax_amounts)
      v.emplace_back(t.tax_rate + (t.inclusive ? " (included)" : ""), t.amount);
    return v;
  });
}

/// Whether the output shows billing credits (B14): only when the plan has credit grants, so that
/// the output of every other plan stays what it was.
[[nodiscard]] inline bool shows_credits(const plan* p, const simulation_result& r) noexcept {
  return (p != nullptr && !p->credit_grants.empty()) || !r.credit_grants.empty();  // B14: or created
}

/// Whether a subscription of plan `p` has a minimum spend (B15): then the CSV says which lines are
/// its true-ups.
[[nodiscard]] inline bool shows_minimums(const plan* p) noexcept {
  return p != nullptr && std::any_of(p->subscriptions.begin(), p->subscriptions.end(),
                                     [](const subscription& s) { return s.minimum_spend.has_value(); });
}

/// `"tiers": [...]`: how a tiered line's amount came about (P3), one object per tier reached with
/// Stripe's tier field names (`up_to`, `unit_amount_decimal`, `flat_amount_decimal`) and meterkit's
/// (`tier`, 1-based; `quantity`, the units it priced; `amount_decimal`, its exact part).
inline void tiers_member(json_writer& w, const std::vector<tier_part>& parts) {
  w.key("tiers");
  w.begin_array();
  for (const auto& t : parts) {
    w.begin_object();
    w.member("tier", t.tier + 1);
    w.key("up_to");
    if (t.up_to)
      w.value(*t.up_to);
    else
      w.null_value();
    w.member("quantity", t.units);
    w.member("unit_amount_decimal", t.unit_amount.to_string());
    w.member("flat_amount_decimal", t.flat_amount.to_string());
    w.member("amount_decimal", t.amount.to_string());
    w.end_object();
  }
  w.end_array();
}

/// A line's subscription item and price, or null for a minimum-spend true-up, which has neither (B15).
inline void item_and_price_members(json_writer& w, const invoice_line& l) {
  for (const auto& [key, value] :
       {std::pair{"subscription_item", &l.subscription_item}, std::pair{"price", &l.price}}) {
    w.key(key);
    if (l.minimum_true_up)
      w.null_value();
    else
      w.value(*value);
  }
}

}  // namespace detail

namespace detail {

/// A piece of JSON written apart, as it will stand inside `depth` containers (`json_writer::raw`
/// places it): what a run writes a record at a time, so that it need not hold them all (D30).
/// `text` is a buffer kept from piece to piece: the piece is the view returned, into it.
template <class Write>
[[nodiscard]] std::string_view json_piece_into(std::string& text, std::size_t depth, Write&& write) {
  text.clear();
  json_writer w(text, depth);
  write(w);
  return std::string_view(text).substr(1 + 2 * depth);  // the line break and indentation `raw` writes again
}
template <class Write>
[[nodiscard]] std::string json_piece(std::size_t depth, Write&& write) {
  std::string text;
  return std::string(json_piece_into(text, depth, std::forward<Write>(write)));
}

/// How the invoices of a run are printed: what their plan and the credit grants it created ask
/// for (B11-B15).
struct invoice_fields {
  bool after_pricing = false;  ///< B11-B13: discounts, taxes, balances
  bool credits = false;        ///< B14: credit amounts and balance
  bool minimums = false;       ///< B15: the CSV's `minimum_true_up` column
};

/// CONTRACT.md's `simulate --format json` object. Fields beyond the contract: a line's
/// `proration` and `trial`, an invoice's `billing_reason` (B7), a rejection's `param` (when there is one),
/// late usage's `received_at` and `finalized_at`.
///
/// With `after_pricing` (the plan has a discount, a tax rate or a customer balance: B11-B13), a
/// line also has `discount_amounts` and `tax_amounts`, and an invoice `subtotal`,
/// `total_discount_amounts`, `tax`, `total_excluding_tax`, `starting_balance`, `ending_balance` and
/// `amount_due`; without, the output is what it was before those rules.
///
/// With the plan (`prices`), a line of a tiered price also has `tiers`: how its amount came about (P3),
/// and when the plan has credit grants (B14) a line has `credit_amounts` and an invoice
/// `total_credit_amounts` and `credit_balance` (the usable credit left after it).
inline void invoice_json(json_writer& w, const invoice& inv, const invoice_fields& fields,
                         const tiered_prices& tiered) {
  const bool after_pricing = fields.after_pricing;
  const bool credits = fields.credits;
  w.begin_object();
  w.member("customer", inv.customer);
  w.member("subscription", inv.subscription);
  w.member("currency", inv.currency);
  w.member("created", to_unix(inv.created));
  w.member("status", to_string(inv.status));
  w.member("billing_reason", to_string(inv.reason));
  w.member("finalized_at", to_unix(inv.finalized_at));
  w.key("lines");
  w.begin_array();
  for (const auto& l : inv.lines) {
    w.begin_object();
    detail::item_and_price_members(w, l);
    w.key("period");
    detail::period_members(w, l.service_period);
    w.member("quantity", l.quantity);
    w.member("amount", l.amount);
    w.member("proration", l.proration);
    w.member("trial", l.trial);
    if (l.minimum_true_up) w.member("minimum_true_up", true);  // B15
    if (const auto parts = tiered.parts_of(l); !parts.empty()) detail::tiers_member(w, parts);
    if (after_pricing) {
      w.key("discount_amounts");
      w.begin_array();
      for (const auto& d : l.discount_amounts) {
        w.begin_object();
        w.member("coupon", d.coupon);
        w.member("amount", d.amount);
        w.end_object();
      }
      w.end_array();
      if (credits) {
        w.key("credit_amounts");
        w.begin_array();
        for (const auto& c : l.credit_amounts) {
          w.begin_object();
          w.member("credit_grant", c.credit_grant);
          w.member("amount", c.amount);
          w.end_object();
        }
        w.end_array();
      }
      w.key("tax_amounts");
      w.begin_array();
      for (const auto& t : l.tax_amounts) {
        w.begin_object();
        w.member("tax_rate", t.tax_rate);
        w.member("amount", t.amount);
        w.member("taxable_amount", t.taxable_amount);
        w.member("inclusive", t.inclusive);
        w.end_object();
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
  if (after_pricing) {
    w.member("subtotal", inv.subtotal);
    w.key("total_discount_amounts");
    w.begin_array();
    for (const auto& [coupon, amount] : detail::discounts_by_coupon(inv)) {
      w.begin_object();
      w.member("coupon", coupon);
      w.member("amount", amount);
      w.end_object();
    }
    w.end_array();
    if (credits) {
      w.key("total_credit_amounts");
      w.begin_array();
      for (const auto& [grant, amount] : detail::credits_by_grant(inv)) {
        w.begin_object();
        w.member("credit_grant", grant);
        w.member("amount", amount);
        w.end_object();
      }
      w.end_array();
    }
    w.member("tax", inv.tax);
    w.member("total_excluding_tax", inv.total_excluding_tax);
  }
  w.member("total", inv.total);
  if (after_pricing) {
    w.member("starting_balance", inv.starting_balance);
    w.member("ending_balance", inv.ending_balance);
    w.member("amount_due", inv.amount_due);
    if (credits) w.member("credit_balance", inv.credit_balance);
  }
  w.end_object();
}

/// A rejected operation in `--format json`'s `rejected` list.
inline void rejection_json(json_writer& w, const rejected_operation& x) {
  w.begin_object();
  w.member("source", x.source);
  w.member("code", to_string(x.code));
  w.member("message", x.message);
  if (!x.param.empty()) w.member("param", x.param);
  // What the operation names (D27), each only when it has it.
  if (!x.identifier.empty()) w.member("identifier", x.identifier);
  if (!x.event_name.empty()) w.member("event_name", x.event_name);
  if (!x.customer.empty()) w.member("customer", x.customer);
  if (x.event_time) w.member("timestamp", to_unix(*x.event_time));
  if (x.index) w.member("index", *x.index);
  w.end_object();
}

/// A late usage entry in `--format json`'s `late_usage` list.
inline void late_json(json_writer& w, const late_usage& x) {
  w.begin_object();
  w.member("subscription_item", x.subscription_item);
  w.key("period");
  detail::period_members(w, x.service_period);
  w.member("quantity", x.quantity);
  w.member("source", x.source);
  w.member("received_at", to_unix(x.received_at));
  w.member("finalized_at", to_unix(x.finalized_at));
  // The late event (D24): its identifier when it had one, event name, customer, timestamp.
  if (!x.identifier.empty()) w.member("identifier", x.identifier);
  w.member("event_name", x.event_name);
  w.member("customer", x.customer);
  w.member("timestamp", to_unix(x.event_time));
  w.end_object();
}

/// `--format json`'s `counts`.
inline void counts_json(json_writer& w, const simulation_counts& c) {
  w.key("counts");
  w.begin_object();
  w.member("read", c.read);
  w.member("accepted", c.accepted);
  w.member("rejected", c.rejected);
  w.member("replayed", c.replayed);
  w.member("pending", c.pending);
  w.member("cancelled", c.cancelled);
  w.end_object();
}

}  // namespace detail

namespace detail {
/// `--format stripe-json`: the invoices as a Stripe list of `invoice` objects, so that each can be
/// compared field by field with one fetched from Stripe (B7, B11-B13). `status` is `open` for a
/// finalized invoice (meterkit does not know whether it was paid) and `draft` otherwise, an
/// upcoming invoice included; `ending_balance` is null until an invoice is finalized, as in Stripe.
/// A line's `discount_amounts[].discount` names the coupon (Stripe names the discount object).
///
/// With credit grants in the plan (B14), a line has `pretax_credit_amounts` (its discounts, type
/// `discount`, then its credits, type `credit_balance_transaction` with the `credit_grant` that
/// paid) and an invoice `total_pretax_credit_amounts`, as Stripe writes them.
///
/// With the plan (`p`), a line of a tiered price also has `meterkit.tiers`, how its amount came
/// about (P3), as `--format json` shows it: a member Stripe never writes on a line item (Stripe's
/// line carries only `pricing.price_details.price`; the tiers belong to the price object), so a
/// field-by-field comparison with a fetched invoice is not disturbed but for that one member.
inline void invoice_stripe_json(json_writer& w, const invoice& inv, bool credits,
                                const tiered_prices& tiered) {
  const bool finalized = inv.status == invoice_status::finalized;
  // period_start/period_end: the period whose usage the invoice bills, ending at its creation; the
  // first invoice and updates have none (both are `created`).
  timestamp period_start = inv.created;
  if (inv.reason == billing_reason::subscription_cycle || inv.reason == billing_reason::upcoming ||
      inv.reason == billing_reason::subscription_threshold) {
    for (const auto& l : inv.lines)
      if (!l.proration && l.service_period.end == inv.created && l.service_period.start < period_start)
        period_start = l.service_period.start;
  }
  w.begin_object();
  w.member("object", "invoice");
  w.member("customer", inv.customer);
  w.member("subscription", inv.subscription);
  w.member("currency", inv.currency);
  w.member("created", to_unix(inv.created));
  w.member("status", finalized ? "open" : "draft");
  w.member("billing_reason", to_string(inv.reason));
  w.member("period_start", to_unix(period_start));
  w.member("period_end", to_unix(inv.created));
  w.key("status_transitions");
  w.begin_object();
  w.key("finalized_at");
  if (finalized)
    w.value(to_unix(inv.finalized_at));
  else
    w.null_value();
  w.end_object();
  w.key("lines");
  w.begin_object();
  w.member("object", "list");
  w.key("data");
  w.begin_array();
  for (const auto& l : inv.lines) {
    w.begin_object();
    w.member("object", "line_item");
    w.member("amount", l.amount);
    w.member("currency", inv.currency);
    w.key("discount_amounts");
    w.begin_array();
    for (const auto& d : l.discount_amounts) {
      w.begin_object();
      w.member("amount", d.amount);
      w.member("discount", d.coupon);
      w.end_object();
    }
    w.end_array();
    w.key("period");
    detail::period_members(w, l.service_period);
    if (credits) {
      w.key("pretax_credit_amounts");
      w.begin_array();
      for (const auto& d : l.discount_amounts) {
        w.begin_object();
        w.member("amount", d.amount);
        w.member("discount", d.coupon);
        w.member("type", "discount");
        w.end_object();
      }
      for (const auto& c : l.credit_amounts) {
        w.begin_object();
        w.member("amount", c.amount);
        w.member("credit_grant", c.credit_grant);
        w.member("type", "credit_balance_transaction");
        w.end_object();
      }
      w.end_array();
    }
    if (l.minimum_true_up) {  // B15: an invoice item of meterkit's, with no price
      w.member("description", "Minimum spend true-up");
      w.key("metadata");
      w.begin_object();
      w.member("meterkit", "minimum_spend_true_up");
      w.end_object();
      w.key("pricing");
      w.null_value();
    } else {
      w.key("pricing");
      w.begin_object();
      w.key("price_details");
      w.begin_object();
      w.member("price", l.price);
      w.end_object();
      w.member("type", "price_details");
      w.end_object();
    }
    w.member("proration", l.proration);
    w.member("quantity", l.quantity);
    w.key("subscription_item");
    if (l.minimum_true_up)
      w.null_value();
    else
      w.value(l.subscription_item);
    w.key("tax_amounts");
    w.begin_array();
    for (const auto& t : l.tax_amounts) {
      w.begin_object();
      w.member("amount", t.amount);
      w.member("inclusive", t.inclusive);
      w.member("tax_rate", t.tax_rate);
      w.member("taxable_amount", t.taxable_amount);
      w.end_object();
    }
    w.end_array();
    if (const auto parts = tiered.parts_of(l); !parts.empty()) {  // P3: meterkit's, not Stripe's
      w.key("meterkit");
      w.begin_object();
      detail::tiers_member(w, parts);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  w.member("has_more", false);
  w.member("total_count", inv.lines.size());
  w.end_object();
  w.member("subtotal", inv.subtotal);
  w.key("total_discount_amounts");
  w.begin_array();
  for (const auto& [coupon, amount] : detail::discounts_by_coupon(inv)) {
    w.begin_object();
    w.member("amount", amount);
    w.member("discount", coupon);
    w.end_object();
  }
  w.end_array();
  if (credits) {
    w.key("total_pretax_credit_amounts");
    w.begin_array();
    for (const auto& [coupon, amount] : detail::discounts_by_coupon(inv)) {
      w.begin_object();
      w.member("amount", amount);
      w.member("discount", coupon);
      w.member("type", "discount");
      w.end_object();
    }
    for (const auto& [grant, amount] : detail::credits_by_grant(inv)) {
      w.begin_object();
      w.member("amount", amount);
      w.member("credit_grant", grant);
      w.member("type", "credit_balance_transaction");
      w.end_object();
    }
    w.end_array();
  }
  w.member("tax", inv.tax);
  w.member("total_excluding_tax", inv.total_excluding_tax);
  w.member("total", inv.total);
  w.member("starting_balance", inv.starting_balance);
  w.key("ending_balance");
  if (finalized)
    w.value(inv.ending_balance);
  else
    w.null_value();
  w.member("amount_due", inv.amount_due);
  w.member("amount_paid", 0);
  w.member("amount_remaining", inv.amount_due);
  w.end_object();
}
}  // namespace detail

namespace detail {
/// ` (code n, code n, ...)`: how many rejections of each code, the most frequent first (then by
/// code); empty when there are none.
[[nodiscard]] inline std::string count_by_code(const std::map<std::string_view, std::size_t>& counts) {
  std::vector<std::pair<std::string_view, std::size_t>> order(counts.begin(), counts.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [code, n] : order)
    out += (out.empty() ? " (" : ", ") + std::string(code) + " " + std::to_string(n);
  return out.empty() ? out : out + ")";
}
}  // namespace detail

namespace detail {
/// An invoice for people: its heading, then its lines and totals as a table.
[[nodiscard]] inline std::string invoice_table(const invoice& inv, bool after_pricing, bool credits_shown,
                                               const tiered_prices& tiered, const table_style& style) {
  const std::string finalized = detail::time_text(inv.finalized_at);
  const std::string state =
      inv.status == invoice_status::finalized
          ? detail::coloured("finalized", 32, style.colour) + " at " + finalized
          : detail::coloured(std::string(to_string(inv.status)),
                             inv.status == invoice_status::draft ? 33 : 36, style.colour) +
                ", finalizes at " + finalized;
  std::string out = "\n" + meterkit::detail::printable(inv.subscription) + "  " +
                    meterkit::detail::printable(inv.customer) + "  created " +
                    detail::time_text(inv.created) + "  " + state + "  (" +
                    std::string(to_string(inv.reason)) + ")\n";
  if (inv.lines.empty() && (!after_pricing || inv.amount_due == 0)) {
    out += "  no lines, total " + detail::money(inv.total, inv.currency) + "\n";
    return out;
  }
  // On a narrow terminal, periods that start and end at midnight show as dates.
  const auto lines_table = [&](bool compact) {
    detail::text_table t({"item", "price", "period start", "period end", "quantity", "amount", ""},
                         {false, false, false, false, true, true, false});
    for (const auto& l : inv.lines) {
      std::string note = l.trial ? "trial" : l.proration ? "prorated" : "";
      if (l.minimum_true_up) note = "minimum spend true-up";    // B15
      if (l.after_threshold) note = "less threshold invoices";  // B16
      t.add({l.subscription_item, l.price, detail::table_time(l.service_period.start, compact),
             detail::table_time(l.service_period.end, compact), std::to_string(l.quantity),
             detail::money(l.amount, inv.currency), note});
      const auto parts = tiered.parts_of(l);
      for (std::size_t k = 0; parts.size() > 1 && k < parts.size(); ++k) {  // P3: how the amount came about
        const auto& part = parts[k];
        const std::string from = std::to_string(k == 0 ? 1 : *parts[k - 1].up_to + 1);
        const std::string range = part.up_to ? from + "-" + std::to_string(*part.up_to) : from + "+";
        t.add({"  tier " + std::to_string(part.tier + 1) + " (" + range + ")", "", "", "",
               std::to_string(part.units), detail::exact_money(part.amount, inv.currency), ""});
      }
    }
    if (after_pricing) {  // B11-B13: in Stripe's order
      t.add({"subtotal", "", "", "", "", detail::money(inv.subtotal, inv.currency), ""});
      for (const auto& [coupon, amount] : detail::discounts_by_coupon(inv))
        t.add({"discount " + coupon, "", "", "", "", detail::money(-amount, inv.currency), ""});
      for (const auto& [grant, amount] : detail::credits_by_grant(inv))
        t.add({"credit " + grant, "", "", "", "", detail::money(-amount, inv.currency), ""});
      for (const auto& [rate, amount] : detail::taxes_by_rate(inv))
        t.add({"tax " + rate, "", "", "", "", detail::money(amount, inv.currency), ""});
    }
    t.add({"total", "", "", "", "", detail::money(inv.total, inv.currency), ""});
    if (after_pricing) {
      if (inv.starting_balance != 0 || inv.ending_balance != 0) {
        t.add({"balance before", "", "", "", "", detail::money(inv.starting_balance, inv.currency), ""});
        t.add({"balance after", "", "", "", "", detail::money(inv.ending_balance, inv.currency), ""});
      }
      t.add({"amount due", "", "", "", "", detail::money(inv.amount_due, inv.currency), ""});
      if (credits_shown)
        t.add({"credits left", "", "", "", "", detail::money(inv.credit_balance, inv.currency), ""});
    }
    return t;
  };
  detail::text_table t = lines_table(false);
  if (style.width != 0 && t.width() > style.width) t = lines_table(true);
  out += t.render(style);

  return out;
}
}  // namespace detail

namespace detail {
/// One CSV row per invoice line, with the invoice's fields repeated; amounts in minor units and
/// times in unix seconds, as in JSON: the header row.
[[nodiscard]] inline std::string invoice_csv_header(const invoice_fields& fields) {
  const bool after_pricing = fields.after_pricing;
  const bool credits = fields.credits;
  const bool minimums = fields.minimums;
  std::vector<std::string> header{"customer", "subscription",   "currency",     "created",
                                  "status",   "billing_reason", "finalized_at", "subscription_item",
                                  "price",    "period_start",   "period_end",   "quantity",
                                  "amount",   "proration",      "trial",        "invoice_total"};
  if (after_pricing) {  // B11-B13: a line's discounts and taxes, the invoice's amount due
    for (const char* column : {"discount", "tax", "tax_inclusive", "invoice_amount_due"})
      header.emplace_back(column);
    if (credits) header.emplace_back("credit");  // B14
  }
  if (minimums) header.emplace_back("minimum_true_up");  // B15
  return detail::csv_row(header);
}

/// The rows of one invoice (`invoice_csv_header`).
[[nodiscard]] inline std::string invoice_csv(const invoice& inv, const invoice_fields& fields) {
  const bool after_pricing = fields.after_pricing;
  const bool credits = fields.credits;
  const bool minimums = fields.minimums;
  std::string out;
  for (const auto& l : inv.lines) {
    std::vector<std::string> row{inv.customer,
                                 inv.subscription,
                                 inv.currency,
                                 std::to_string(to_unix(inv.created)),
                                 std::string(to_string(inv.status)),
                                 std::string(to_string(inv.reason)),
                                 std::to_string(to_unix(inv.finalized_at)),
                                 l.subscription_item,
                                 l.price,
                                 std::to_string(to_unix(l.service_period.start)),
                                 std::to_string(to_unix(l.service_period.end)),
                                 std::to_string(l.quantity),
                                 std::to_string(l.amount),
                                 l.proration ? "true" : "false",
                                 l.trial ? "true" : "false",
                                 std::to_string(inv.total)};
    if (after_pricing) {
      std::int64_t discount = 0;
      std::int64_t tax = 0;
      std::int64_t included = 0;
      for (const auto& d : l.discount_amounts) discount += d.amount;
      for (const auto& t : l.tax_amounts) (t.inclusive ? included : tax) += t.amount;
      for (const std::int64_t v : {discount, tax, included, inv.amount_due}) row.push_back(std::to_string(v));
      if (credits) {
        std::int64_t credit = 0;
        for (const auto& c : l.credit_amounts) credit += c.amount;
        row.push_back(std::to_string(credit));
      }
    }
    if (minimums) row.emplace_back(l.minimum_true_up ? "true" : "false");
    out += detail::csv_row(row);
  }
  return out;
}
}  // namespace detail

namespace detail {
/// `simulate --rejections FILE`: one row per rejected operation, in the order of `rejected`.
[[nodiscard]] inline std::string rejections_csv_header() {
  return csv_row(
      {"source", "code", "param", "message", "identifier", "event_name", "customer", "timestamp", "index"});
}
[[nodiscard]] inline std::string rejection_csv(const rejected_operation& x) {
  return csv_row({x.source, std::string(to_string(x.code)), x.param, x.message, x.identifier, x.event_name,
                  x.customer, x.event_time ? time_text(*x.event_time) : "",
                  x.index ? std::to_string(*x.index) : ""});
}

/// `simulate --late FILE`: one row per late usage entry, times in RFC 3339.
[[nodiscard]] inline std::string late_usage_csv_header() {
  return csv_row({"subscription_item", "period_start", "period_end", "quantity", "source", "received_at",
                  "finalized_at", "identifier", "event_name", "customer", "timestamp"});
}
[[nodiscard]] inline std::string late_usage_csv(const late_usage& x) {
  return csv_row({x.subscription_item, time_text(x.service_period.start), time_text(x.service_period.end),
                  std::to_string(x.quantity), x.source, time_text(x.received_at), time_text(x.finalized_at),
                  x.identifier, x.event_name, x.customer, time_text(x.event_time)});
}
}  // namespace detail

/// Unbilled usage for people: a section after the rest of the table, only when there is some.
[[nodiscard]] inline std::string unbilled_table(const std::vector<unbilled_usage>& u,
                                                const table_style& style = {}) {
  if (u.empty()) return {};
  std::string out = "\nUnbilled usage: " + std::to_string(u.size()) +
                    " (accepted, but no subscription item bills this meter for this customer)\n";
  detail::text_table t({"meter", "customer", "quantity", "events"}, {false, false, true, true});
  for (const auto& x : u) t.add({x.meter, x.customer, std::to_string(x.quantity), std::to_string(x.events)});
  return out + t.render(style);
}

/// `simulate --unbilled FILE`: one row per meter and customer.
[[nodiscard]] inline std::string unbilled_csv(const std::vector<unbilled_usage>& u) {
  std::string out = detail::csv_row({"meter", "customer", "quantity", "events"});
  for (const auto& x : u)
    out += detail::csv_row({x.meter, x.customer, std::to_string(x.quantity), std::to_string(x.events)});
  return out;
}

/// What a summary is about, for the printers.
/// What `summarize` printed: one meter, and one customer (`--customer`) or every known customer.
struct summary_subject {
  std::string meter;
  bool every_customer = false;
};

/// Stripe's `billing.meter_event_summary` objects, one per window, by customer then in time order
/// (D26).
[[nodiscard]] inline std::string summaries_json(const std::vector<customer_summaries>& s,
                                                const summary_subject& about) {
  std::string text;
  detail::json_writer w(text);
  w.begin_array();
  for (const auto& c : s) {
    for (const auto& e : c.summaries) {
      w.begin_object();
      w.member("object", "billing.meter_event_summary");
      w.member("meter", about.meter);
      w.member("customer", c.customer);
      w.member("start_time", to_unix(e.window.start));
      w.member("end_time", to_unix(e.window.end));
      w.member("aggregated_value", e.aggregated_value);
      w.end_object();
    }
  }
  w.end_array();
  text += '\n';
  return text;
}

/// One customer: a title naming meter and customer over a table of windows. Every customer: a
/// title naming the meter and how many customers, over a table with a customer column.
[[nodiscard]] inline std::string summaries_table(const std::vector<customer_summaries>& s,
                                                 const summary_subject& about,
                                                 const table_style& style = {}) {
  if (!about.every_customer) {
    std::string out = "Meter " + meterkit::detail::printable(about.meter) + ", customer " +
                      (s.empty() ? std::string() : meterkit::detail::printable(s.front().customer)) + "\n";
    detail::text_table t({"start", "end", "aggregated value"}, {false, false, true});
    for (const auto& c : s) {
      for (const auto& e : c.summaries) {
        t.add({detail::time_text(e.window.start), detail::time_text(e.window.end),
               std::to_string(e.aggregated_value)});
      }
    }
    return out + t.render(style);
  }
  std::string out = "Meter " + meterkit::detail::printable(about.meter) + ", every customer (" +
                    std::to_string(s.size()) + ")\n";
  detail::text_table t({"customer", "start", "end", "aggregated value"}, {false, false, false, true});
  for (const auto& c : s) {
    for (const auto& e : c.summaries) {
      t.add({meterkit::detail::printable(c.customer), detail::time_text(e.window.start),
             detail::time_text(e.window.end), std::to_string(e.aggregated_value)});
    }
  }
  return out + t.render(style);
}

[[nodiscard]] inline std::string summaries_csv(const std::vector<customer_summaries>& s,
                                               const summary_subject& about) {
  std::string out = detail::csv_row({"meter", "customer", "start_time", "end_time", "aggregated_value"});
  for (const auto& c : s) {
    for (const auto& e : c.summaries) {
      out += detail::csv_row({about.meter, c.customer, std::to_string(to_unix(e.window.start)),
                              std::to_string(to_unix(e.window.end)), std::to_string(e.aggregated_value)});
    }
  }
  return out;
}

[[nodiscard]] inline std::string summaries_output(const std::vector<customer_summaries>& s,
                                                  const summary_subject& about, output_format f,
                                                  const table_style& style = {}) {
  switch (f) {
    case output_format::json:
      return summaries_json(s, about);
    case output_format::csv:
      return summaries_csv(s, about);
    case output_format::stripe_json:  // refused on the command line: summaries are not invoices
    case output_format::table:
      break;
  }
  return summaries_table(s, about, style);
}

}  // namespace meterkit::cli
