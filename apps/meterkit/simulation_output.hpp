// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `simulate`'s output written a record at a time (D30, docs/cli.md "Output"): the run hands its
/// rejections and late usage over as it finds them and its invoices a customer at a time; each is
/// printed at once into a temporary file (a spool), and only its place is kept in memory. When
/// the run has succeeded, the outputs are written from the spools, the invoices in D27's order
/// (created, then subscription id). So the memory of a run does not grow with what it prints, and
/// nothing is written before the run has succeeded.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <meterkit/stripe.hpp>

#include "files.hpp"
#include "output.hpp"

namespace meterkit::cli {

/// Text kept in a temporary file in `TMPDIR` (else `/tmp`), read back in pieces. The file has no
/// name from the start, so nothing is left behind however the program ends. Invoices are read
/// back one at a time, out of the order written. A piece that lies in one aligned window of the
/// file is read through a mapping of that window (no copy, no system call per piece) when that
/// window is mapped, or when one of the last two pieces read without a mapping was in it too (the
/// reads go through that part of the file in order); otherwise it is read with one `pread`, so
/// that reads that jump from window to window cost a read each, not a mapping each. Two windows
/// stay mapped at most, so what is mapped stays bounded too.
class spool {
 public:
  spool() : fd_(open_unnamed()) {}
  spool(const spool&) = delete;
  spool& operator=(const spool&) = delete;
  spool(spool&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        buffer_(std::move(other.buffer_)),
        block_(std::move(other.block_)),
        size_(other.size_),
        written_(other.written_),
        windows_(std::exchange(other.windows_, {})),
        uses_(other.uses_),
        missed_(other.missed_) {}
  spool& operator=(spool&&) = delete;
  ~spool() {
    unmap_all();
    if (fd_ >= 0) ::close(fd_);
  }

  /// Appends `text`; returns where it starts.
  std::uint64_t add(std::string_view text) {
    const std::uint64_t at = size_;
    buffer_.append(text);
    size_ += text.size();
    if (buffer_.size() >= flush_at) flush();
    return at;
  }
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

  /// Gives `put` the bytes [from, from + n): at once through a mapped window (see the class
  /// comment), else a block at a time, one `pread` per block into a buffer kept from call to call
  /// (an invoice is one call, and there may be millions).
  void read(std::uint64_t from, std::uint64_t n, const std::function<void(std::string_view)>& put) {
    flush();
    if (n != 0 && from / window_size == (from + n - 1) / window_size) {
      const std::uint64_t w = from / window_size;
      if (const char* at = mapped(from, n, w == missed_[0] || w == missed_[1])) {
        put(std::string_view(at, static_cast<std::size_t>(n)));
        return;
      }
      missed_ = {w, missed_[0]};
    }
    while (n != 0) {
      block_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(n, flush_at)));
      std::size_t got = 0;
      while (got < block_.size()) {
        const ::ssize_t r =
            ::pread(fd_, block_.data() + got, block_.size() - got, static_cast<::off_t>(from + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) throw output_error("cannot read the temporary file that holds the output");
        got += static_cast<std::size_t>(r);
      }
      put(block_);
      from += block_.size();
      n -= block_.size();
    }
  }
  /// Gives `item` the bytes [from, from + n) at once (a record): read straight into the kept
  /// buffer, copied together only when longer than a block.
  void read_one(std::uint64_t from, std::uint64_t n, const std::function<void(std::string_view)>& item) {
    if (n == 0) {
      item({});
    } else if (n <= flush_at) {
      read(from, n, item);
    } else {
      std::string text;
      read(from, n, [&](std::string_view block) { text.append(block); });
      item(text);
    }
  }
  /// Gives `put` everything.
  void read_all(const std::function<void(std::string_view)>& put) { read(0, size_, put); }

  /// Forgets everything (a replay that starts again).
  void clear() {
    unmap_all();
    buffer_.clear();
    size_ = 0;
    written_ = 0;
    missed_ = {no_window, no_window};
    (void)::ftruncate(fd_, 0);
  }

 private:
  static constexpr std::size_t flush_at = std::size_t{1} << 20;
  static constexpr std::uint64_t window_size = std::uint64_t{8} << 20;
  /// A window of the file mapped for reading: [start, start + length).
  struct window {
    char* data = nullptr;
    std::uint64_t start = 0;
    std::size_t length = 0;
    std::uint64_t used = 0;  ///< when last read from (`uses_`)
  };
  static constexpr std::uint64_t no_window = std::numeric_limits<std::uint64_t>::max();

  /// The bytes [from, from + n), which lie in one window and in the file, through a mapping of
  /// their window if it is mapped, or once mapped when `map` says so; null when it is not mapped
  /// (then they are read with `pread`).
  const char* mapped(std::uint64_t from, std::uint64_t n, bool map) noexcept {
    const std::uint64_t start = from - from % window_size;
    std::size_t slot = windows_.size();
    for (std::size_t k = 0; k < windows_.size(); ++k) {
      window& w = windows_[k];
      if (w.data == nullptr || w.start != start) continue;
      if (from + n <= w.start + w.length) {
        w.used = ++uses_;
        return w.data + (from - start);
      }
      slot = k;  // mapped before the spool grew: map it again, longer
    }
    if (!map) return nullptr;
    if (slot == windows_.size()) {  // the window read from longest ago
      slot = static_cast<std::size_t>(
          std::min_element(windows_.begin(), windows_.end(),
                           [](const window& a, const window& b) { return a.used < b.used; }) -
          windows_.begin());
    }
    window& w = windows_[slot];
    if (w.data != nullptr) ::munmap(w.data, w.length);
    w = window{};
    const auto length = static_cast<std::size_t>(std::min(window_size, written_ - start));
    void* data = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_, static_cast<::off_t>(start));
    if (data == MAP_FAILED) return nullptr;
    w = window{static_cast<char*>(data), start, length, ++uses_};
    return w.data + (from - start);
  }
  void unmap_all() noexcept {
    for (window& w : windows_) {
      if (w.data != nullptr) ::munmap(w.data, w.length);
      w = window{};
    }
  }
  [[nodiscard]] static int open_unnamed() {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
    std::string pattern = dir + "/meterkit-spool-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
      throw output_error("cannot create a temporary file in " + meterkit::detail::printable(dir) +
                         " to hold the output until the run succeeds (D30): " + std::strerror(errno) +
                         "; set TMPDIR to a folder with room");
    }
    ::unlink(pattern.c_str());
    return fd;
  }
  void flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      const ::ssize_t w =
          ::pwrite(fd_, buffer_.data() + done, buffer_.size() - done, static_cast<::off_t>(written_ + done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        throw output_error(
            "cannot write the temporary file that holds the output until the run succeeds (D30): " +
            std::string(w < 0 ? std::strerror(errno) : "nothing written") +
            "; set TMPDIR to a folder with room");
      }
      done += static_cast<std::size_t>(w);
    }
    written_ += buffer_.size();
    buffer_.clear();
  }

  int fd_;
  std::string buffer_;
  std::string block_;  ///< what `read` last gave
  std::uint64_t size_ = 0;
  std::uint64_t written_ = 0;
  std::array<window, 2> windows_{};  ///< what `mapped` keeps, the one read from longest ago replaced
  std::uint64_t uses_ = 0;           ///< reads through a window so far
  /// The windows (by number) of the last two pieces read with `pread`, the last first.
  std::array<std::uint64_t, 2> missed_{no_window, no_window};
};

/// Records of one kind (rejections, late usage) printed into a spool as they come, in one or two
/// forms (the main output's JSON, a side file's CSV), with the first `table_list_limit` kept for a
/// table and a count.
template <class Record>
class record_spool {
 public:
  record_spool(std::function<std::string(const Record&)> json, std::function<std::string(const Record&)> csv,
               bool keep_for_table)
      : json_of_(std::move(json)), csv_of_(std::move(csv)), keep_(keep_for_table) {
    if (json_of_) json_.emplace();
    if (csv_of_) csv_.emplace();
  }

  void add(const Record& x) {
    if (json_) {
      const std::string text = json_of_(x);
      (void)json_->add(text);
      json_sizes_.push_back(static_cast<std::uint32_t>(text.size()));
    }
    if (csv_) (void)csv_->add(csv_of_(x));
    if (keep_ && first_.size() < table_list_limit) first_.push_back(x);
    ++count_;
  }
  void clear() {
    if (json_) json_->clear();
    if (csv_) csv_->clear();
    json_sizes_.clear();
    first_.clear();
    count_ = 0;
  }

  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  [[nodiscard]] const std::vector<Record>& first() const noexcept { return first_; }
  /// Each record's JSON, in order.
  void json_items(const std::function<void(std::string_view)>& item) {
    std::uint64_t at = 0;
    for (const std::uint32_t n : json_sizes_) {
      json_->read_one(at, n, item);
      at += n;
    }
  }
  /// The CSV rows, in order.
  void csv_rows(const std::function<void(std::string_view)>& put) { csv_->read_all(put); }

 private:
  std::function<std::string(const Record&)> json_of_, csv_of_;
  bool keep_;
  std::optional<spool> json_, csv_;
  std::vector<std::uint32_t> json_sizes_;  ///< 4 bytes a record: its place is the sum of those before
  std::vector<Record> first_;
  std::size_t count_ = 0;
};

/// What `simulate` prints and to which outputs.
struct simulation_outputs {
  output_format format = output_format::table;
  const plan* prices = nullptr;  ///< the plan (tiers, credit grants, minimums)
  table_style style;
  std::vector<std::string> customers;  ///< --customer: only their invoices (all when empty)
  bool rejections_csv = false;         ///< --rejections FILE
  bool late_csv = false;               ///< --late FILE
};

/// Takes a simulation's records as the run hands them over, and prints (see the file comment).
class simulation_printer {
 public:
  explicit simulation_printer(simulation_outputs out)
      : out_(std::move(out)),
        tiered_(out_.prices),
        unusable_(json_of<rejected_operation>(out_.format, detail::rejection_json),
                  csv_of(out_.rejections_csv, rejection_csv_of), out_.format == output_format::table),
        rejected_(json_of<rejected_operation>(out_.format, detail::rejection_json),
                  csv_of(out_.rejections_csv, rejection_csv_of), out_.format == output_format::table),
        late_(json_of<late_usage>(out_.format, detail::late_json), csv_of(out_.late_csv, late_csv_of),
              out_.format == output_format::table) {
    // D27: invoices created at the same time go by subscription id.
    if (out_.prices) {
      std::unordered_set<std::string_view> customers;
      for (const auto& sub : out_.prices->subscriptions) customers.insert(sub.customer);
      customers_total_ = customers.size();
      std::vector<std::string_view> ids;
      for (const auto& s : out_.prices->subscriptions) ids.emplace_back(s.id);
      std::sort(ids.begin(), ids.end());
      for (std::size_t k = 0; k < ids.size(); ++k) rank_.emplace(ids[k], static_cast<std::uint32_t>(k));
      invoiced_.assign(ids.size(), false);
    }
  }
  simulation_printer(const simulation_printer&) = delete;
  simulation_printer& operator=(const simulation_printer&) = delete;
  ~simulation_printer() { stop_printing(false); }

  /// Sets what a replay hands over to this printer (D30).
  void take_from(replay_options& options) {
    options.records = record_sink{[this](const rejected_operation& x) {
                                    ++codes_[to_string(x.code)];
                                    rejected_.add(x);
                                  },
                                  [this](const late_usage& l) { late_.add(l); }};
    options.unusable_records = [this](const rejected_operation& x) {
      ++codes_[to_string(x.code)];
      unusable_.add(x);
    };
    options.restart = [this] { restart(); };
    options.invoices = [this](std::vector<invoice>& mine, const simulation_result& rest) {
      add_invoices(mine, rest);
    };
  }

  /// Waits until every invoice handed over is printed; rethrows what printing them threw (a
  /// temporary file that cannot be written). Called once the replay has returned, before anything
  /// below is asked.
  void finish() { stop_printing(); }

  /// Told now and then (customers invoiced, customers in all, invoices so far): for a progress line.
  std::function<void(std::size_t, std::size_t, std::size_t)> progress;

  /// Whether subscription `subscription` has an invoice (for D23's warning), of any customer.
  [[nodiscard]] bool invoiced(std::string_view subscription) const {
    const auto found = rank_.find(subscription);
    return found != rank_.end() && invoiced_[found->second];
  }
  [[nodiscard]] std::size_t invoice_count() const noexcept { return index_.size(); }
  [[nodiscard]] std::size_t rejected_count() const noexcept { return unusable_.count() + rejected_.count(); }
  [[nodiscard]] std::size_t late_count() const noexcept { return late_.count(); }

  /// `--rejections FILE`'s text.
  void rejections_csv(const std::function<void(std::string_view)>& put) {
    put(detail::rejections_csv_header());
    unusable_.csv_rows(put);
    rejected_.csv_rows(put);
  }
  /// `--late FILE`'s text.
  void late_csv(const std::function<void(std::string_view)>& put) {
    put(detail::late_usage_csv_header());
    late_.csv_rows(put);
  }

  /// The main output, for the result of the run (which has no invoices: they were given here)
  /// and its unbilled usage.
  void main_output(const simulation_result& r, const std::vector<unbilled_usage>& unbilled,
                   const std::function<void(std::string_view)>& put) {
    fields_of(r);
    std::sort(index_.begin(), index_.end());
    switch (out_.format) {
      case output_format::json:
        return json(r, unbilled, put);
      case output_format::stripe_json:
        return stripe_json(put);
      case output_format::csv:
        put(detail::invoice_csv_header(fields_));
        return each_invoice(put);
      case output_format::table:
        return table(r, unbilled, put);
    }
  }

 private:
  /// Where an invoice's text is in the spool, in D27's order.
  struct placed {  // 24 bytes
    std::int64_t created;
    std::uint64_t at;    ///< its place in the spool: the order in which it came, within a customer
    std::uint32_t rank;  ///< of its subscription id
    std::uint32_t size;
    friend bool operator<(const placed& a, const placed& b) {
      return std::tie(a.created, a.rank, a.at) < std::tie(b.created, b.rank, b.at);
    }
  };

  template <class Record>
  static std::function<std::string(const Record&)> json_of(output_format f,
                                                           void (*write)(detail::json_writer&,
                                                                         const Record&)) {
    if (f != output_format::json) return {};
    return [write](const Record& x) {
      return detail::json_piece(2, [&](detail::json_writer& w) { write(w, x); });
    };
  }
  template <class Record>
  static std::function<std::string(const Record&)> csv_of(bool wanted, std::string (*row)(const Record&)) {
    if (!wanted) return {};
    return row;
  }
  static std::string rejection_csv_of(const rejected_operation& x) { return detail::rejection_csv(x); }
  static std::string late_csv_of(const late_usage& x) { return detail::late_usage_csv(x); }

  void restart() {
    stop_printing();
    unusable_.clear();
    rejected_.clear();
    late_.clear();
    invoices_.clear();
    index_.clear();
    std::fill(invoiced_.begin(), invoiced_.end(), false);
    codes_.clear();
    customers_done_ = 0;
    invoices_made_ = 0;
  }

  /// B14: grants created through requests bring the after-pricing fields as grants in the plan do.
  void fields_of(const simulation_result& r) {
    const plan& p = *out_.prices;
    fields_.after_pricing = p.adjusts_after_pricing() || !r.credit_grants.empty();
    credits_shown_ = detail::shows_credits(out_.prices, r);
    fields_.credits = fields_.after_pricing && credits_shown_;
    fields_.minimums = detail::shows_minimums(out_.prices);
  }

  /// Takes a customer's invoices over. They are printed on a thread of their own while the run
  /// makes the next customers' (two cores do both at once), in the order they came: a batch of
  /// customers at a time, a few batches waiting at most, so that what is held stays bounded.
  void add_invoices(std::vector<invoice>& mine, const simulation_result& rest) {
    if (!fields_known_) {
      fields_of(rest);
      fields_known_ = true;
    }
    invoices_made_ += mine.size();
    if (progress && (++customers_done_ % 1024 == 0 || customers_done_ == customers_total_))
      progress(customers_done_, customers_total_, invoices_made_);
    batch_.insert(batch_.end(), std::make_move_iterator(mine.begin()), std::make_move_iterator(mine.end()));
    if (batch_.size() >= batch_size) hand_over_batch();
  }

  /// Queues `batch_` for the printing thread (started at the first batch); rethrows what it threw.
  void hand_over_batch() {
    std::unique_lock lock(mutex_);
    if (failed_) std::rethrow_exception(failed_);
    if (batch_.empty()) return;
    if (!printing_.joinable()) printing_ = std::thread([this] { print_batches(); });
    changed_.wait(lock, [this] { return waiting_.size() < batches_waiting || failed_; });
    if (failed_) std::rethrow_exception(failed_);
    waiting_.push_back(std::move(batch_));
    batch_.clear();
    changed_.notify_all();
  }

  /// Lets the printing thread end, once it has printed what is queued and `batch_` (or at once,
  /// without `print_rest`), and waits for it; rethrows what it threw.
  void stop_printing(bool print_rest = true) {
    {
      const std::lock_guard lock(mutex_);
      if (!print_rest) waiting_.clear();
      if (print_rest && !batch_.empty() && !failed_) {
        waiting_.push_back(std::move(batch_));
        if (!printing_.joinable()) printing_ = std::thread([this] { print_batches(); });
      }
      closing_ = true;
    }
    batch_.clear();
    changed_.notify_all();
    if (printing_.joinable()) printing_.join();
    std::exception_ptr failed;
    {
      const std::lock_guard lock(mutex_);
      failed = std::exchange(failed_, nullptr);
      waiting_.clear();
      closing_ = false;
    }
    if (failed && print_rest) std::rethrow_exception(failed);
  }

  /// The printing thread: each batch in the order queued, until told to close with none waiting.
  void print_batches() {
    for (;;) {
      std::vector<invoice> batch;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return !waiting_.empty() || closing_; });
        if (waiting_.empty()) return;
        batch = std::move(waiting_.front());
        waiting_.pop_front();
      }
      changed_.notify_all();
      try {
        print(batch);
      } catch (...) {
        const std::lock_guard lock(mutex_);
        failed_ = std::current_exception();
        waiting_.clear();
        changed_.notify_all();
        return;
      }
    }
  }

  /// Prints invoices into the spool (on the printing thread).
  void print(const std::vector<invoice>& mine) {
    // A customer's invoices mostly come a subscription after another: its id is looked up once
    // for a run of them.
    const std::string* last = nullptr;
    std::uint32_t rank = 0;
    for (const invoice& inv : mine) {
      if (last == nullptr || *last != inv.subscription) {
        last = &inv.subscription;
        const auto found = rank_.find(inv.subscription);
        rank = found == rank_.end() ? 0U : found->second;
        if (found != rank_.end()) invoiced_[rank] = true;
      }
      if (!out_.customers.empty() &&
          std::find(out_.customers.begin(), out_.customers.end(), inv.customer) == out_.customers.end())
        continue;
      const std::string_view text = invoice_text(inv);
      index_.push_back(
          placed{to_unix(inv.created), invoices_.add(text), rank, static_cast<std::uint32_t>(text.size())});
    }
  }

  /// An invoice's text, in `piece_` (kept from invoice to invoice).
  [[nodiscard]] std::string_view invoice_text(const invoice& inv) {
    switch (out_.format) {
      case output_format::json:
        return detail::json_piece_into(
            piece_, 2, [&](detail::json_writer& w) { detail::invoice_json(w, inv, fields_, tiered_); });
      case output_format::stripe_json:
        return detail::json_piece_into(piece_, 2, [&](detail::json_writer& w) {
          detail::invoice_stripe_json(w, inv, credits_shown_, tiered_);
        });
      case output_format::csv:
        piece_ = detail::invoice_csv(inv, fields_);
        return piece_;
      case output_format::table:
        break;
    }
    piece_ = detail::invoice_table(inv, fields_.after_pricing, credits_shown_, tiered_, out_.style);
    return piece_;
  }

  /// Each invoice's text, in D27's order, through `put` in pieces of 64 KiB or more (not a
  /// write per invoice).
  void each_invoice(const std::function<void(std::string_view)>& put) {
    std::string text;
    const auto gather = [&](std::string_view piece) {
      text.append(piece);
      drain(text, put);
    };
    for (const placed& p : index_) invoices_.read(p.at, p.size, gather);
    drain(text, put, true);
  }
  void each_invoice_item(const std::function<void(std::string_view)>& item) {
    for (const placed& p : index_) invoices_.read_one(p.at, p.size, item);
  }

  /// Writes `text` (the writer's buffer) through `put` once it has grown.
  static void drain(std::string& text, const std::function<void(std::string_view)>& put, bool all = false) {
    if (!all && text.size() < (std::size_t{1} << 16)) return;
    put(text);
    text.clear();
  }

  /// What writes each array element given to it with `w` and drains the text through `put`.
  static auto raw_item(detail::json_writer& w, std::string& text,
                       const std::function<void(std::string_view)>& put) {
    return [&w, &text, &put](std::string_view item) {
      w.raw(item);
      drain(text, put);
    };
  }

  void json(const simulation_result& r, const std::vector<unbilled_usage>& unbilled,
            const std::function<void(std::string_view)>& put) {
    std::string text;
    detail::json_writer w(text);
    const auto item = raw_item(w, text, put);
    w.begin_object();
    w.member("until", to_unix(r.until));
    if (r.known_at) w.member("as_of", to_unix(*r.known_at));  // D28: only with --as-of
    w.key("invoices");
    w.begin_array();
    each_invoice_item(item);
    w.end_array();
    w.key("rejected");
    w.begin_array();
    for (auto* list : {&unusable_, &rejected_}) list->json_items(item);
    w.end_array();
    w.key("late_usage");
    w.begin_array();
    late_.json_items(item);
    w.end_array();
    detail::counts_json(w, r.counts);
    // Unbilled usage (docs/cli.md "Unbilled usage"): the last member; an empty list too.
    detail::ordered_json list = detail::ordered_json::array();
    for (const auto& x : unbilled) {
      list.push_back(
          {{"meter", x.meter}, {"customer", x.customer}, {"quantity", x.quantity}, {"events", x.events}});
    }
    std::string member = list.dump(2, ' ', false, detail::ordered_json::error_handler_t::replace);
    for (std::size_t at = member.find('\n'); at != std::string::npos; at = member.find('\n', at + 1))
      member.insert(at + 1, "  ");
    w.key("unbilled");
    w.raw(member);
    w.end_object();
    text += '\n';
    drain(text, put, true);
  }

  void stripe_json(const std::function<void(std::string_view)>& put) {
    std::string text;
    detail::json_writer w(text);
    w.begin_object();
    w.member("object", "list");
    w.member("url", "/v1/invoices");
    w.member("has_more", false);
    w.key("data");
    w.begin_array();
    each_invoice_item(raw_item(w, text, put));
    w.end_array();
    w.end_object();
    text += '\n';
    drain(text, put, true);
  }

  void table(const simulation_result& r, const std::vector<unbilled_usage>& unbilled,
             const std::function<void(std::string_view)>& put) {
    const table_style& style = out_.style;
    std::string out =
        "Invoices as of " + detail::time_text(r.until) + " (" + std::to_string(to_unix(r.until)) + ")";
    if (r.known_at) {  // D28
      out += ", with the requests known at " + detail::time_text(*r.known_at) + " (" +
             std::to_string(to_unix(*r.known_at)) + ")";
    }
    out += "\n";
    if (index_.empty()) out += "\n  (no invoices)\n";
    put(out);
    each_invoice(put);
    out.clear();
    // Rejections: the records that cannot be used first (D29), then those the run rejected.
    const std::size_t rejected = rejected_count();
    out += "\nRejected operations: " +
           detail::coloured(std::to_string(rejected), 31, style.colour && rejected != 0) +
           detail::count_by_code(codes_) + "\n";
    if (rejected != 0) {
      detail::text_table t({"source", "code", "message"}, {false, false, false});
      std::size_t listed = 0;
      for (const auto* list : {&unusable_, &rejected_}) {
        for (const auto& x : list->first()) {
          if (listed++ == table_list_limit) break;
          t.add({x.source, std::string(to_string(x.code)), x.message});
        }
      }
      out += t.render(style);
      if (rejected > table_list_limit) {
        out +=
            "  ... and " + std::to_string(rejected - table_list_limit) + " more (--format json lists all)\n";
      }
    }
    out += "\nLate usage: " + std::to_string(late_.count()) + "\n";
    if (late_.count() != 0) {
      detail::text_table t({"source", "item", "period start", "quantity", "arrived", "invoice finalized"},
                           {false, false, false, true, false, false});
      for (const auto& x : late_.first()) {
        t.add({x.source, x.subscription_item, detail::time_text(x.service_period.start),
               std::to_string(x.quantity), detail::time_text(x.received_at),
               detail::time_text(x.finalized_at)});
      }
      out += t.render();
      if (late_.count() > table_list_limit) {
        out += "  ... and " + std::to_string(late_.count() - table_list_limit) +
               " more (--format json lists all)\n";
      }
    }
    const auto& c = r.counts;
    out += "\nOperations: " + std::to_string(c.read) + " read, " + std::to_string(c.accepted) +
           " accepted, " + std::to_string(c.rejected) + " rejected, " + std::to_string(c.replayed) +
           " replayed, " + std::to_string(c.pending) + " pending; " + std::to_string(c.cancelled) +
           " cancellations\n";
    out += unbilled_table(unbilled, style);
    put(out);
  }

  simulation_outputs out_;
  detail::tiered_prices tiered_;
  record_spool<rejected_operation> unusable_;  ///< D29: the records that cannot be used, listed first
  record_spool<rejected_operation> rejected_;
  record_spool<late_usage> late_;
  spool invoices_;
  std::vector<placed> index_;
  std::unordered_map<std::string_view, std::uint32_t> rank_;
  std::vector<bool> invoiced_;  ///< by rank: the subscriptions that have an invoice
  std::string piece_;           ///< the text of the invoice printed last
  detail::invoice_fields fields_;
  bool credits_shown_ = false;
  bool fields_known_ = false;
  // The printing thread (`add_invoices`): what it alone touches while it runs is the invoice
  // spool, `index_`, `invoiced_` and `piece_`; the rest is set before it starts.
  static constexpr std::size_t batch_size = 512;     ///< invoices handed over at a time
  static constexpr std::size_t batches_waiting = 4;  ///< at most, before the run waits
  std::vector<invoice> batch_;                       ///< being filled by the run
  std::deque<std::vector<invoice>> waiting_;         ///< queued, guarded by `mutex_`
  bool closing_ = false;                             ///< no more batches (guarded)
  std::exception_ptr failed_;                        ///< what printing threw (guarded)
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread printing_;
  std::size_t invoices_made_ = 0;                  ///< handed over so far
  std::map<std::string_view, std::size_t> codes_;  ///< rejections by code, as they came
  std::size_t customers_total_ = 0;                ///< the customers with a subscription
  std::size_t customers_done_ = 0;
};

}  // namespace meterkit::cli
