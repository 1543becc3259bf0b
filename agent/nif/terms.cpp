#include "terms.hpp"

#include "atoms.hpp"

#include <array>
#include <cstdio>

namespace beamscope::agent::terms {

namespace {

bool value(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key, ERL_NIF_TERM* out) {
  return enif_is_map(env, map) && enif_get_map_value(env, map, key, out);
}

// OTP 25 reads atoms as Latin-1 only (ERL_NIF_UTF8 came in OTP 26): an
// atom outside Latin-1 reads as "", bytes above 127 become '?' in make_utf8.
std::string atom_text(ErlNifEnv* env, ERL_NIF_TERM term) {
  unsigned len = 0;
  if (!enif_get_atom_length(env, term, &len, ERL_NIF_LATIN1)) return {};
  std::string s(len + 1, '\0');
  if (enif_get_atom(env, term, s.data(), len + 1, ERL_NIF_LATIN1) <= 0) return {};
  s.resize(len);
  return s;
}

}  // namespace

std::uint64_t u64(ErlNifEnv* env, ERL_NIF_TERM term) {
  ErlNifUInt64 v = 0;
  if (enif_get_uint64(env, term, &v)) return v;
  return 0;  // negative, bignum past 64 bits or not an integer
}

std::uint64_t u64(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key) {
  ERL_NIF_TERM v;
  return value(env, map, key, &v) ? u64(env, v) : 0;
}

std::int64_t i64(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key) {
  ERL_NIF_TERM v;
  ErlNifSInt64 out = 0;
  if (value(env, map, key, &v) && enif_get_int64(env, v, &out)) return out;
  return 0;
}

double number(ErlNifEnv* env, ERL_NIF_TERM term) {
  double d = 0;
  if (enif_get_double(env, term, &d)) return d;
  ErlNifSInt64 i = 0;
  if (enif_get_int64(env, term, &i)) return static_cast<double>(i);
  return 0;
}

bool flag(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key) {
  ERL_NIF_TERM v;
  return value(env, map, key, &v) && enif_is_identical(v, atoms::true_);
}

// Replaces every byte that does not start a valid UTF-8 sequence with '?':
// protobuf refuses to parse a string field that is not UTF-8, and a
// binary handed to us may be anything.
void make_utf8(std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      s[i] = '?';
      len = 1;
    }
    i += len;
  }
}

void truncate_utf8(std::string& s, std::size_t max) {
  if (s.size() <= max) return;
  std::size_t cut = max;
  // Back up over continuation bytes (10xxxxxx) to a sequence start.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

std::string text(ErlNifEnv* env, ERL_NIF_TERM term, std::size_t max) {
  std::string out;
  ErlNifBinary bin;
  int arity = 0;
  const ERL_NIF_TERM* items = nullptr;
  if (enif_is_binary(env, term) && enif_inspect_binary(env, term, &bin)) {
    out.assign(reinterpret_cast<const char*>(bin.data), std::min(bin.size, max + 4));
  } else if (enif_is_atom(env, term)) {
    out = atom_text(env, term);
  } else if (enif_get_tuple(env, term, &arity, &items) && arity == 3 && enif_is_atom(env, items[0]) &&
             enif_is_atom(env, items[1])) {
    out = atom_text(env, items[0]) + ':' + atom_text(env, items[1]) + '/' + std::to_string(u64(env, items[2]));
  } else if (enif_is_pid(env, term)) {
    std::array<char, 64> buf{};
    enif_snprintf(buf.data(), buf.size(), "%T", term);
    out = buf.data();
  }
  make_utf8(out);
  truncate_utf8(out, max);
  return out;
}

std::string text(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key, std::size_t max) {
  ERL_NIF_TERM v;
  return value(env, map, key, &v) ? text(env, v, max) : std::string{};
}

}  // namespace beamscope::agent::terms
