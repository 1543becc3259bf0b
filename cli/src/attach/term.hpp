// A small Erlang term model for the attach C node: enough to build rpc
// arguments (atoms, integers, charlists, binaries, lists, tuples) and to
// read replies. Terms it does not model (pids, refs, funs, floats) decode
// as Kind::Other holding their printed text, so nothing is lost in messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

typedef struct ei_x_buff_TAG ei_x_buff;

namespace beamscope::cli::attach {

struct Term {
  enum class Kind { Atom, Int, Str, Bin, List, Tuple, Map, Other };
  Kind kind = Kind::Atom;
  std::string text;            ///< atom name, charlist, binary bytes, printed Other
  long long integer = 0;       ///< Int
  std::vector<Term> items;     ///< List / Tuple elements; Map as key, value, key, value...

  static Term atom(std::string_view a) { return Term{Kind::Atom, std::string(a), 0, {}}; }
  static Term integer_of(long long v) { return Term{Kind::Int, {}, v, {}}; }
  static Term str(std::string_view s) { return Term{Kind::Str, std::string(s), 0, {}}; }
  static Term bin(std::string_view b) { return Term{Kind::Bin, std::string(b), 0, {}}; }
  static Term list(std::vector<Term> xs) { return Term{Kind::List, {}, 0, std::move(xs)}; }
  static Term tuple(std::vector<Term> xs) { return Term{Kind::Tuple, {}, 0, std::move(xs)}; }

  bool is_atom(std::string_view a) const { return kind == Kind::Atom && text == a; }
  /// `{Tag, ...}` with `size` elements (0: any size).
  bool is_tagged(std::string_view tag, std::size_t size = 0) const;
  /// Text of a charlist, a binary, an atom, or a list of byte-sized
  /// integers; false for anything else.
  bool as_text(std::string& out) const;
  /// Elements of a list (a charlist counts as a list of integers).
  std::vector<Term> elements() const;
};

/// Appends `t` to `x` (ei external format, no version byte).
bool encode(const Term& t, ei_x_buff& x);

/// Decodes the term at `buf[*index]`, advancing `*index`.
bool decode(const char* buf, int* index, Term& out);

/// Erlang-like text of a term, for messages: {error,{bad_config,...}}.
std::string to_text(const Term& t);

}  // namespace beamscope::cli::attach
