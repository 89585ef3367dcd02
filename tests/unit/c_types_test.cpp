// Unit tests for backend/c_types: how generated code reads a bitfield of a
// script struct (byte range, then shifts on a u64), checked against the
// layouts clang gives x86_64 structs and by extracting values from bytes.
#include <doctest/doctest.h>

#include <cstring>

#include "backend/c_types.h"

using namespace bt2bin;

namespace {

// What the generated `bt_read_bitfield()` computes, on the bytes of a struct.
uint64_t extract(const void *object, const BitfieldLayout &r) {
  uint64_t v = 0;
  memcpy(&v, static_cast<const char *>(object) + r.byte_offset, r.byte_size);
  return (v << r.lshift) >> r.rshift;
}

struct Flags {
  unsigned int kind : 4;
  unsigned int visible : 1;
  int depth : 7;
  unsigned long long id : 40;
  unsigned char tail : 3;
};

}  // namespace

TEST_CASE("c_types: bitfield layout reads only the bytes holding the field") {
  // kind: bits 0..3 -> one byte, drop the 60 bits above, none below.
  auto kind = bitfield_layout({0, 4});
  REQUIRE(kind);
  CHECK(kind->byte_offset == 0);
  CHECK(kind->byte_size == 1);
  CHECK(kind->lshift == 60);
  CHECK(kind->rshift == 60);
  // id: bits 12..51 -> bytes 1..6, starting at bit 4 of byte 1.
  auto id = bitfield_layout({12, 40});
  REQUIRE(id);
  CHECK(id->byte_offset == 1);
  CHECK(id->byte_size == 6);
  CHECK(id->lshift == 20);
  CHECK(id->rshift == 24);
  // A whole 64-bit field: no shifts at all.
  auto whole = bitfield_layout({64, 64});
  REQUIRE(whole);
  CHECK(whole->byte_offset == 8);
  CHECK(whole->byte_size == 8);
  CHECK(whole->lshift == 0);
  CHECK(whole->rshift == 0);
}

TEST_CASE("c_types: bitfield values come back zero-extended, as bpftrace reads them") {
  Flags f{};
  f.kind = 9;
  f.visible = 1;
  f.depth = -3;  // bpftrace masks, it does not sign-extend: 0x7d
  f.id = 0xabcde12345ull;
  f.tail = 5;
  // The x86_64 layout of Flags: kind 0..3, visible 4, depth 5..11, id
  // 12..51 (fits in the first 8-byte unit), tail in the next byte 8.
  CHECK(extract(&f, *bitfield_layout({0, 4})) == 9);
  CHECK(extract(&f, *bitfield_layout({4, 1})) == 1);
  CHECK(extract(&f, *bitfield_layout({5, 7})) == 0x7d);
  CHECK(extract(&f, *bitfield_layout({12, 40})) == 0xabcde12345ull);
  CHECK(extract(&f, *bitfield_layout({64, 3})) == 5);
}

TEST_CASE("c_types: bitfields spread over more than 8 bytes are refused") {
  CHECK_FALSE(bitfield_layout({4, 64}));   // a packed 64-bit field not on a byte boundary
  CHECK_FALSE(bitfield_layout({0, 0}));    // not a bitfield
  CHECK(bitfield_layout({7, 57}));         // 7 + 57 = 64 bits still fit
}
