// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `meterkit` program's dealings with the file system and the terminal: output written
/// atomically (CONTRACT.md "a run never ends in ... a partial output file"), the example plan and
/// usage shipped in the repository, and progress on standard error.

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <meterkit/detail/printable.hpp>
#include <meterkit/stripe.hpp>

namespace meterkit::cli {

/// Something the program could not do with a file it writes: exit 2 with this message.
class output_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// The temporary output file being written, for the signal handler: a fixed buffer and a flag,
/// since the handler may only make async-signal-safe calls.
inline char pending_temp_path[4096];
inline volatile std::sig_atomic_t pending_temp_set = 0;

/// SIGINT, SIGTERM, SIGHUP: removes the temporary output file (if one is being written) and dies
/// of the signal, as the default disposition would (SA_RESETHAND restored it on entry).
inline void remove_temp_and_die(int sig) {
  if (pending_temp_set != 0) ::unlink(pending_temp_path);
  ::raise(sig);
}

/// Signals blocked while a temporary file is created, registered, renamed or forgotten.
class signals_blocked {
 public:
  signals_blocked() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    ::sigprocmask(SIG_BLOCK, &set, &old_);
  }
  ~signals_blocked() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
  signals_blocked(const signals_blocked&) = delete;
  signals_blocked& operator=(const signals_blocked&) = delete;

 private:
  sigset_t old_{};
};

[[noreturn]] inline void output_failed(const std::string& path, const std::string& what, int e) {
  throw output_error(path + ": cannot write the output: " + what +
                     (e ? std::string(": ") + std::strerror(e) : ""));
}

inline void write_all(int fd, std::string_view text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      output_failed(path, "write failed", errno);
    }
    done += static_cast<std::size_t>(n);
  }
}

/// Where an `--output` goes: a regular file (or none yet) is replaced atomically; anything else
/// (a FIFO, a device, a descriptor of this process) is written through.
struct output_target {
  std::filesystem::path path;  ///< symbolic links resolved (the link stays a link)
  bool atomic = true;
  int fd = -1;  ///< `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`: write to descriptor N itself
};

/// The descriptor a `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` or `/proc/self/fd/N` path names,
/// or -1.
[[nodiscard]] inline int descriptor_named(const std::string& p) {
  if (p == "/dev/stdout") return STDOUT_FILENO;
  if (p == "/dev/stderr") return STDERR_FILENO;
  for (const std::string_view prefix : {std::string_view("/dev/fd/"), std::string_view("/proc/self/fd/")}) {
    if (p.size() <= prefix.size() || p.compare(0, prefix.size(), prefix) != 0) continue;
    int fd = 0;
    for (std::size_t i = prefix.size(); i < p.size(); ++i) {
      if (p[i] < '0' || p[i] > '9' || fd > 100000) return -1;
      fd = fd * 10 + (p[i] - '0');
    }
    return fd;
  }
  return -1;
}

[[nodiscard]] inline output_target output_target_of(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p(path);  // relative stays relative: messages name the folder as written
  for (int hops = 0;; ++hops) {
    const std::string text = p.string();
    std::filesystem::path absolute = std::filesystem::absolute(p, ec).lexically_normal();
    if (ec) absolute = p;
    if (const int fd = descriptor_named(absolute.string()); fd >= 0) return {p, false, fd};
    // Under /dev and /proc, nothing is replaced: `/dev/null` and its kin are written through.
    const bool special =
        absolute.string().rfind("/dev/", 0) == 0 || absolute.string().rfind("/proc/", 0) == 0;
    struct stat st {};
    if (::lstat(text.c_str(), &st) != 0) {
      if (errno == ENOENT && !special) return {p, true, -1};
      output_failed(path, "cannot look at " + text, errno);
    }
    if (S_ISLNK(st.st_mode)) {
      if (hops == 40) output_failed(path, "too many levels of symbolic links", 0);
      const auto to = std::filesystem::read_symlink(p, ec);
      if (ec) output_failed(path, "cannot read the symbolic link " + text, ec.value());
      p = (to.is_absolute() ? to : p.parent_path() / to).lexically_normal();
      continue;
    }
    if (S_ISDIR(st.st_mode)) output_failed(path, "it is a directory", 0);
    return {p, S_ISREG(st.st_mode) && !special, -1};
  }
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so that
/// `path` is either untouched or complete. The temporary file is removed on an error, and by the
/// signal handler (`install_signal_cleanup`) on SIGINT, SIGTERM and SIGHUP.
/// The text `produce(put)` gives through `put`, a piece at a time.
using output_producer = std::function<void(const std::function<void(std::string_view)>& put)>;

inline void replace_atomically_with(const std::string& shown, const std::filesystem::path& target,
                                    const output_producer& produce) {
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string pattern = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  if (pattern.size() >= sizeof pending_temp_path) output_failed(shown, "the path is too long", 0);
  int fd = -1;
  {
    const signals_blocked blocked;
    fd = ::mkstemp(pattern.data());
    if (fd >= 0) {
      std::memcpy(pending_temp_path, pattern.c_str(), pattern.size() + 1);
      pending_temp_set = 1;
    }
  }
  if (fd < 0) output_failed(shown, "cannot create a file in " + dir.string(), errno);
  const auto forget = [&](bool remove) {
    const signals_blocked blocked;
    if (remove) ::unlink(pattern.c_str());
    pending_temp_set = 0;
  };
  try {
    produce([&](std::string_view text) { write_all(fd, text, shown); });
  } catch (...) {
    ::close(fd);
    forget(true);
    throw;
  }
  // The file gets the usual permissions of a new file (mkstemp makes it private).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, static_cast<mode_t>(0666 & ~mask));
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    forget(true);
    output_failed(shown, "write failed", e);
  }
  const signals_blocked blocked;
  if (std::rename(pattern.c_str(), target.c_str()) != 0) {
    const int e = errno;
    ::unlink(pattern.c_str());
    pending_temp_set = 0;
    output_failed(shown, "cannot rename the temporary file", e);
  }
  pending_temp_set = 0;
}

inline void replace_atomically(const std::string& shown, const std::filesystem::path& target,
                               std::string_view text) {
  replace_atomically_with(shown, target, [&](const auto& put) { put(text); });
}

}  // namespace detail

/// Removes a temporary output file when the program is stopped by SIGINT, SIGTERM or SIGHUP, then
/// dies of that signal. Signals ignored at start (`nohup`) stay ignored.
inline void install_signal_cleanup() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = detail::remove_temp_and_die;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = static_cast<int>(SA_RESETHAND);  // glibc defines it as an unsigned constant
    ::sigaction(sig, &sa, nullptr);
  }
}

/// Writes `text` to the `--output` `path` (as written on the command line): a regular file, or a
/// name not taken yet, is replaced atomically (a temporary file in the same folder renamed over
/// it); a symbolic link is followed and its final target replaced so, the link staying a link; a
/// FIFO, a device (`/dev/null`) or a descriptor (`/dev/stdout`, `/dev/fd/3`) is written through,
/// never replaced.
inline void write_output_with(const std::string& path, const detail::output_producer& produce) {
  const detail::output_target to = detail::output_target_of(path);
  if (to.atomic) return detail::replace_atomically_with(path, to.path, produce);
  const auto through = [&](int fd) {
    produce([&](std::string_view text) { detail::write_all(fd, text, path); });
  };
  if (to.fd >= 0) {
    if (::fcntl(to.fd, F_GETFD) < 0)
      detail::output_failed(path, "descriptor " + std::to_string(to.fd) + " is not open", errno);
    return through(to.fd);
  }
  const int fd = ::open(to.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) detail::output_failed(path, "cannot open " + to.path.string(), errno);
  try {
    through(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) detail::output_failed(path, "write failed", errno);
}

/// `write_output_with`, of one text.
inline void write_output(const std::string& path, std::string_view text) {
  write_output_with(path, [&](const auto& put) { put(text); });
}

/// Writes to standard output what `produce` gives, a piece at a time.
inline void write_stdout_with(const detail::output_producer& produce) {
  produce([](std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size())
      throw output_error("cannot write to standard output");
  });
  if (std::fflush(stdout) != 0) throw output_error("cannot write to standard output");
}

/// Writes `text` to standard output in full.
inline void write_stdout(std::string_view text) {
  write_stdout_with([&](const auto& put) { put(text); });
}

/// The example plan and usage files shipped in the repository's `examples/`.
struct examples {
  std::filesystem::path dir;
  std::string plan;                 ///< path of the plan file
  std::vector<std::string> inputs;  ///< usage files, sorted by name
  std::vector<std::string> names;   ///< how sources name them: `examples/usage/<file>`
};

/// Finds `examples/` next to the source tree the program was built from, else near the executable
/// (`<exe>/examples`, `<exe>/../share/meterkit/examples`, or a parent's `examples`).
[[nodiscard]] inline std::optional<examples> find_examples(std::string_view compiled_dir, const char* argv0) {
  std::vector<std::filesystem::path> candidates;
  if (!compiled_dir.empty()) candidates.emplace_back(compiled_dir);
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec && argv0 != nullptr) exe = std::filesystem::absolute(argv0, ec);
  if (!exe.empty()) {
    const auto here = exe.parent_path();
    candidates.push_back(here / "examples");
    candidates.push_back(here / ".." / "share" / "meterkit" / "examples");
    for (auto p = here; p.has_parent_path() && p != p.parent_path(); p = p.parent_path()) {
      candidates.push_back(p / "examples");
    }
  }
  for (const auto& dir : candidates) {
    if (!std::filesystem::is_regular_file(dir / "plan.json", ec)) continue;
    examples ex;
    ex.dir = dir;
    ex.plan = (dir / "plan.json").string();
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "usage", ec)) {
      if (entry.is_regular_file() && usage_format_of(entry.path().string())) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      ex.inputs.push_back(f.string());
      ex.names.push_back("examples/usage/" + f.filename().string());
    }
    if (!ex.inputs.empty()) return ex;
  }
  return std::nullopt;
}

/// Progress on standard error while it is a terminal: one line, rewritten in place when its text
/// changes (callers report whole percents, so at most about a hundred times a phase); cleared when
/// done.
class progress_line {
 public:
  explicit progress_line(bool enabled) : enabled_(enabled) {}
  ~progress_line() { clear(); }
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

  void show(const std::string& text) {
    if (!enabled_ || (shown_ && text == last_)) return;
    last_ = text;
    shown_ = true;
    std::fprintf(stderr, "\r\033[K%s", meterkit::detail::printable(text).c_str());
    std::fflush(stderr);
  }
  /// A line of its own above the progress line (which the next `show` writes again).
  void note(const std::string& text) {
    if (!enabled_) return;
    clear();
    std::fprintf(stderr, "%s\n", meterkit::detail::printable(text).c_str());
    std::fflush(stderr);
  }
  void clear() {
    if (!enabled_ || !shown_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::string last_;
};

/// Whether standard error is a terminal (progress is for people only).
[[nodiscard]] inline bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

/// Whether standard output is a terminal (the table then fits it and has colour).
[[nodiscard]] inline bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

/// The width of the terminal on standard output, in columns: what the terminal says, else
/// `COLUMNS`, else 0 (no limit).
[[nodiscard]] inline std::size_t terminal_columns() {
#if defined(TIOCGWINSZ)
  struct winsize size {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col != 0) return size.ws_col;
#endif
  if (const char* columns = std::getenv("COLUMNS")) {
    std::size_t n = 0;
    for (const char* c = columns; *c != '\0'; ++c) {
      if (*c < '0' || *c > '9' || n > 100000) return 0;
      n = n * 10 + static_cast<std::size_t>(*c - '0');
    }
    return n;
  }
  return 0;
}

/// The rate and the time left of one phase of a run (a stage over one input, or the replay from
/// memory): `, 45.1 MB/s, 13 s left`. Nothing until the phase has run a fifth of a second (a
/// rate over less says little), and no time left when the total is unknown.
class phase_clock {
 public:
  /// `done` and `total` (0: unknown) in `unit`s (`MB` or `requests`, `scale` of them a count).
  [[nodiscard]] std::string rate_and_left(const std::string& phase, double done, double total,
                                          const char* unit, double scale = 1) {
    const auto now = std::chrono::steady_clock::now();
    if (phase != phase_) {
      phase_ = phase;
      start_ = now;
    }
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 0.2 || done <= 0) return {};
    const double rate = done / elapsed;
    char buf[64];
    std::snprintf(buf, sizeof buf, ", %.1f %s/s", rate / scale, unit);
    std::string out = buf;
    if (total > done) out += ", " + duration_text((total - done) / rate) + " left";
    return out;
  }

  /// `13 s`, `4 min 05 s`, `2 h 03 min`.
  [[nodiscard]] static std::string duration_text(double seconds) {
    const auto s = static_cast<long long>(seconds + 0.5);
    char buf[48];
    if (s < 60) {
      std::snprintf(buf, sizeof buf, "%lld s", s);
    } else if (s < 3600) {
      std::snprintf(buf, sizeof buf, "%lld min %02lld s", s / 60, s % 60);
    } else {
      std::snprintf(buf, sizeof buf, "%lld h %02lld min", s / 3600, s % 3600 / 60);
    }
    return buf;
  }

 private:
  std::string phase_;
  std::chrono::steady_clock::time_point start_{};
};

[[nodiscard]] inline std::string megabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace meterkit::cli
