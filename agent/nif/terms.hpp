// Reading Erlang terms defensively: a field of the wrong type reads as
// absent (0, "" or false), never as a crash, and every string is cut to a
// bound. Nothing read here becomes an atom.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <erl_nif.h>

namespace beamscope::agent::terms {

/// Non-negative integer under `key` of `map`; 0 when absent, negative or not an integer.
std::uint64_t u64(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key);
/// Non-negative integer (or 0).
std::uint64_t u64(ErlNifEnv* env, ERL_NIF_TERM term);
/// Signed integer under `key`; 0 when absent.
std::int64_t i64(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key);
/// Float or integer as a double; 0 otherwise.
double number(ErlNifEnv* env, ERL_NIF_TERM term);
/// True only for the atom true.
bool flag(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key);

/// Text of a term, at most `max` bytes: a binary as is, an atom's name,
/// {M, F, A} as "M:F/A", a pid as "<0.1.0>"; "" for anything else.
std::string text(ErlNifEnv* env, ERL_NIF_TERM term, std::size_t max);
/// text() of the value under `key`, "" when absent.
std::string text(ErlNifEnv* env, ERL_NIF_TERM map, ERL_NIF_TERM key, std::size_t max);

/// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence
/// (protobuf strings must stay valid UTF-8).
void truncate_utf8(std::string& s, std::size_t max);

}  // namespace beamscope::agent::terms
