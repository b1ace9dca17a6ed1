// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `meterkit` program's dealings with the file system and the terminal: output written
/// atomically (CONTRACT.md "a run never ends in ... a partial output file"), the example plan and
/// usage shipped in the repository, and progress on standard error.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <meterkit/stripe.hpp>

namespace meterkit::cli {

/// Something the program could not do with a file it writes: exit 2 with this message.
class output_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so that
/// `path` is either untouched or complete.
inline void write_atomically(const std::string& path, std::string_view text) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string pattern = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(pattern.data());
  const auto fail = [&](const std::string& what, int e) {
    throw output_error(path + ": cannot write the output: " + what +
                       (e ? std::string(": ") + std::strerror(e) : ""));
  };
  if (fd < 0) fail("cannot create a file in " + dir.string(), errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      ::unlink(pattern.c_str());
      fail("write failed", e);
    }
    done += static_cast<std::size_t>(n);
  }
  // The file gets the usual permissions of a new file (mkstemp makes it private).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, static_cast<mode_t>(0666 & ~mask));
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(pattern.c_str());
    fail("write failed", e);
  }
  if (std::rename(pattern.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(pattern.c_str());
    fail("cannot rename the temporary file", e);
  }
}

/// Writes `text` to standard output in full.
inline void write_stdout(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    throw output_error("cannot write to standard output");
  }
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
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
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

[[nodiscard]] inline std::string megabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace meterkit::cli
