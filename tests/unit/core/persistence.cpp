// SPDX-License-Identifier: MIT
#include <boost/test/unit_test.hpp>
#include <meterkit/core/persistence.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

using namespace meterkit;

namespace {
/// The message of the corrupt_state_error `f` raises, or "no error".
template <class F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const corrupt_state_error& e) {
    BOOST_TEST((e.code() == error_code::corrupt_state));
    return e.what();
  }
  return "no error";
}

constexpr std::string_view magic{"\x89TESTST\n", 8};
}  // namespace

BOOST_AUTO_TEST_SUITE(core_persistence)

BOOST_AUTO_TEST_CASE(values_are_written_little_endian_and_read_back) {
  state_writer out;
  out.u8(0xab);
  out.u32(0x01020304);
  out.u64(0x0102030405060708);
  out.i64(-2);
  out.boolean(true);
  out.str("cus_1");
  out.time(from_unix(-1));
  out.optional_time(std::nullopt);
  out.optional_str(std::string("x"));
  const std::string& b = out.bytes();
  BOOST_TEST(b.substr(1, 4) == std::string("\x04\x03\x02\x01", 4));
  BOOST_TEST(b.substr(5, 8) == std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  BOOST_TEST(b.substr(13, 8) == std::string(8, '\xff').replace(0, 1, "\xfe"));
  state_reader in(b);
  BOOST_TEST(in.u8() == 0xab);
  BOOST_TEST(in.u32() == 0x01020304u);
  BOOST_TEST(in.u64() == 0x0102030405060708u);
  BOOST_TEST(in.i64() == -2);
  BOOST_TEST(in.boolean());
  BOOST_TEST(in.str() == "cus_1");
  BOOST_TEST((in.time() == from_unix(-1)));
  BOOST_TEST(!in.optional_time().has_value());
  BOOST_TEST(in.optional_str().value() == "x");
  BOOST_TEST(in.remaining() == 0u);
  in.expect_end();
}

BOOST_AUTO_TEST_CASE(a_reader_never_reads_past_its_input_and_names_the_state_and_byte) {
  state_writer out;
  out.u64(1000);  // a count of 1000 strings, with no bytes after it
  BOOST_TEST(refusal([&] {
               state_reader in(out.bytes(), "test state");
               (void)in.count(1);
             }) == "meterkit: cannot load the test state: a count exceeds the bytes left (at byte 8)");
  BOOST_TEST(refusal([&] {
               state_reader in(std::string_view(out.bytes()).substr(0, 5));
               (void)in.u64();
             }).find("truncated") != std::string::npos);
  BOOST_TEST(refusal([] {
               state_reader in(std::string_view("\x02", 1));
               (void)in.boolean();
             }).find("a flag is neither 0 nor 1") != std::string::npos);
  state_writer far;
  far.i64(saved_time_limit + 1);
  BOOST_TEST(refusal([&] {
               state_reader in(far.bytes());
               (void)in.time();
             }).find("a timestamp is out of range") != std::string::npos);
  BOOST_TEST(refusal([&] {
               state_reader in(out.bytes());
               in.expect_end();
             }).find("unexpected bytes after the end") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(saving_a_time_that_could_not_be_read_back_is_a_broken_precondition) {
  state_writer out;
  BOOST_CHECK_THROW(out.time(from_unix(saved_time_limit + 1)), precondition_error);
  BOOST_CHECK_NO_THROW(out.time(from_unix(-saved_time_limit)));
}

BOOST_AUTO_TEST_CASE(the_frame_checksum_is_crc32c_and_continues_over_parts) {
  // The published check values of CRC-32C (Castagnoli; RFC 3720, B.4).
  BOOST_TEST(state_checksum("") == 0u);
  BOOST_TEST(state_checksum("123456789") == 0xE3069283u);
  BOOST_TEST(state_checksum(std::string(32, '\0')) == 0x8A9136AAu);
  BOOST_TEST(state_checksum(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string ascending(32, '\0'), descending(32, '\0');
  for (std::size_t i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  BOOST_TEST(state_checksum(ascending) == 0x46DD794Eu);
  BOOST_TEST(state_checksum(descending) == 0x113FDB5Cu);
  // Computed at compile time too, and the same whatever the split into parts (each length from 0
  // to 40 on either side of the cut, so that the 8-byte steps and the byte tail both meet it).
  static_assert(crc32c("123456789") == 0xE3069283u);
  static_assert(state_checksum("ab") != state_checksum("ba"));
  std::string text;
  for (std::size_t i = 0; i < 81; ++i) text.push_back(static_cast<char>(i * 37 + 11));
  const std::uint32_t whole = state_checksum(text);
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const std::string_view v(text);
    BOOST_TEST(state_checksum(v.substr(cut), state_checksum(v.substr(0, cut))) == whole, cut);
  }
}

BOOST_AUTO_TEST_CASE(the_fingerprint_hash_is_fnv1a_64_and_continues_over_parts) {
  BOOST_TEST(fnv1a_64("") == 14695981039346656037ull);
  BOOST_TEST(fnv1a_64("a") == 0xaf63dc4c8601ec8cull);  // the published FNV-1a 64 of "a"
  BOOST_TEST(fnv1a_64("world", fnv1a_64("hello ")) == fnv1a_64("hello world"));
  static_assert(fnv1a_64("ab") != fnv1a_64("ba"));
}

BOOST_AUTO_TEST_CASE(a_frame_reads_back_its_body_and_refuses_damage_as_damage) {
  std::ostringstream saved;
  write_state_frame(saved, magic, 7, "the body");
  const std::string good = saved.str();
  BOOST_TEST(good.size() == 8 + 4 + 8 + 8 + 4u);
  // The checksum is CRC-32C of every byte before it, magic included, little-endian.
  const std::uint32_t sum = crc32c(std::string_view(good).substr(0, good.size() - 4));
  BOOST_TEST(state_reader(std::string_view(good).substr(good.size() - 4)).u32() == sum);
  const auto read = [](const std::string& bytes) {
    std::istringstream in(bytes);
    return read_state_frame(in, magic, 7, "test state");
  };
  BOOST_TEST(read(good) == "the body");
  const auto why = [&](const std::string& bytes) { return refusal([&] { (void)read(bytes); }); };
  BOOST_TEST(why("") == "meterkit: cannot load the test state: not a test state (wrong magic)");
  BOOST_TEST(why("\x89TESTST\n").find("truncated (no complete header)") != std::string::npos);
  std::string other_version = good;
  other_version[8] = '\x08';
  BOOST_TEST(why(other_version).find("format version 8, this build reads version 7") != std::string::npos);
  BOOST_TEST(why(good.substr(0, good.size() - 9)).find("the body is shorter") != std::string::npos);
  BOOST_TEST(why(good.substr(0, good.size() - 1)).find("no checksum") != std::string::npos);
  for (std::size_t i = 20; i < good.size(); ++i) {  // any byte of the body or the checksum
    std::string damaged = good;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    BOOST_TEST(why(damaged).find("checksum mismatch") != std::string::npos, i);
  }
  std::string huge = good;  // a damaged length costs no memory: it is read in steps and refused
  huge.replace(12, 8, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8));
  BOOST_TEST(why(huge).find("truncated") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
