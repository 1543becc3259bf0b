// Encoding and decoding of the attach C node's term model through ei.
#include "attach/term.hpp"

#include <cstdlib>

#include <ei.h>

namespace beamscope::cli::attach {

bool Term::is_tagged(std::string_view tag, std::size_t size) const {
  return kind == Kind::Tuple && !items.empty() && items[0].is_atom(tag) &&
         (size == 0 || items.size() == size);
}

bool Term::as_text(std::string& out) const {
  switch (kind) {
    case Kind::Str:
    case Kind::Bin:
    case Kind::Atom:
      out = text;
      return true;
    case Kind::List:
      out.clear();
      for (const auto& i : items) {
        if (i.kind != Kind::Int || i.integer < 0 || i.integer > 255) return false;
        out.push_back(static_cast<char>(i.integer));
      }
      return true;
    default:
      return false;
  }
}

std::vector<Term> Term::elements() const {
  if (kind == Kind::List) return items;
  std::vector<Term> out;
  if (kind == Kind::Str)
    for (unsigned char c : text) out.push_back(integer_of(c));
  return out;
}

bool encode(const Term& t, ei_x_buff& x) {
  switch (t.kind) {
    case Term::Kind::Atom:
      return ei_x_encode_atom_len(&x, t.text.data(), static_cast<int>(t.text.size())) == 0;
    case Term::Kind::Int:
      return ei_x_encode_longlong(&x, t.integer) == 0;
    case Term::Kind::Str:
      return ei_x_encode_string_len(&x, t.text.data(), static_cast<int>(t.text.size())) == 0;
    case Term::Kind::Bin:
      return ei_x_encode_binary(&x, t.text.data(), static_cast<int>(t.text.size())) == 0;
    case Term::Kind::Tuple:
      if (ei_x_encode_tuple_header(&x, static_cast<long>(t.items.size())) != 0) return false;
      for (const auto& i : t.items)
        if (!encode(i, x)) return false;
      return true;
    case Term::Kind::List:
      if (!t.items.empty() && ei_x_encode_list_header(&x, static_cast<long>(t.items.size())) != 0)
        return false;
      for (const auto& i : t.items)
        if (!encode(i, x)) return false;
      return ei_x_encode_empty_list(&x) == 0;
    case Term::Kind::Map:
    case Term::Kind::Other:
      return false;  // replies only; never sent
  }
  return false;
}

namespace {

bool decode_other(const char* buf, int* index, Term& out) {
  char* printed = nullptr;
  int at = *index;
  if (ei_s_print_term(&printed, buf, &at) < 0) return false;
  out = Term{Term::Kind::Other, printed ? printed : "", 0, {}};
  std::free(printed);
  return ei_skip_term(buf, index) == 0;
}

bool decode_items(const char* buf, int* index, long arity, Term& out) {
  out.items.resize(static_cast<std::size_t>(arity));
  for (auto& i : out.items)
    if (!decode(buf, index, i)) return false;
  return true;
}

}  // namespace

bool decode(const char* buf, int* index, Term& out) {
  int type = 0, size = 0;
  if (ei_get_type(buf, index, &type, &size) != 0) return false;
  switch (type) {
    case ERL_ATOM_EXT:
    case ERL_SMALL_ATOM_EXT:
    case ERL_ATOM_UTF8_EXT:
    case ERL_SMALL_ATOM_UTF8_EXT: {
      char atom[MAXATOMLEN_UTF8] = {};
      if (ei_decode_atom(buf, index, atom) != 0) return false;
      out = Term::atom(atom);
      return true;
    }
    case ERL_SMALL_INTEGER_EXT:
    case ERL_INTEGER_EXT:
    case ERL_SMALL_BIG_EXT: {
      long long v = 0;
      int at = *index;
      if (ei_decode_longlong(buf, &at, &v) != 0) return decode_other(buf, index, out);
      *index = at;
      out = Term::integer_of(v);
      return true;
    }
    case ERL_STRING_EXT: {
      std::string s(static_cast<std::size_t>(size) + 1, '\0');
      if (ei_decode_string(buf, index, s.data()) != 0) return false;
      s.resize(static_cast<std::size_t>(size));
      out = Term::str(s);
      return true;
    }
    case ERL_BINARY_EXT: {
      std::string b(static_cast<std::size_t>(size), '\0');
      long len = 0;
      if (ei_decode_binary(buf, index, b.data(), &len) != 0) return false;
      out = Term::bin(b);
      return true;
    }
    case ERL_SMALL_TUPLE_EXT:
    case ERL_LARGE_TUPLE_EXT: {
      int arity = 0;
      if (ei_decode_tuple_header(buf, index, &arity) != 0) return false;
      out = Term::tuple({});
      return decode_items(buf, index, arity, out);
    }
    case ERL_NIL_EXT:
    case ERL_LIST_EXT: {
      int arity = 0;
      if (ei_decode_list_header(buf, index, &arity) != 0) return false;
      out = Term::list({});
      if (!decode_items(buf, index, arity, out)) return false;
      // A proper list ends in []; an improper tail is kept as a last item.
      if (arity > 0) {
        int tail_type = 0, tail_size = 0;
        if (ei_get_type(buf, index, &tail_type, &tail_size) != 0) return false;
        if (tail_type == ERL_NIL_EXT) return ei_decode_list_header(buf, index, &arity) == 0;
        Term tail;
        if (!decode(buf, index, tail)) return false;
        out.items.push_back(std::move(tail));
      }
      return true;
    }
    case ERL_MAP_EXT: {
      int arity = 0;
      if (ei_decode_map_header(buf, index, &arity) != 0) return false;
      out = Term{Term::Kind::Map, {}, 0, {}};
      return decode_items(buf, index, 2L * arity, out);
    }
    default:
      return decode_other(buf, index, out);
  }
}

std::string to_text(const Term& t) {
  auto join = [](const std::vector<Term>& xs, std::size_t step, const char* pair_sep) {
    std::string s;
    for (std::size_t i = 0; i < xs.size(); i += step) {
      if (i) s += ",";
      s += to_text(xs[i]);
      if (step == 2 && i + 1 < xs.size()) s += pair_sep + to_text(xs[i + 1]);
    }
    return s;
  };
  switch (t.kind) {
    case Term::Kind::Atom: return t.text;
    case Term::Kind::Int: return std::to_string(t.integer);
    case Term::Kind::Str: return "\"" + t.text + "\"";
    case Term::Kind::Bin: return "<<\"" + t.text + "\">>";
    case Term::Kind::List: {
      std::string s;
      bool printable = t.as_text(s) && !t.items.empty();
      for (unsigned char c : s) printable = printable && ((c >= 32 && c < 127) || c == '\n' || c == '\t');
      if (printable) return "\"" + s + "\"";
      return "[" + join(t.items, 1, "") + "]";
    }
    case Term::Kind::Tuple: return "{" + join(t.items, 1, "") + "}";
    case Term::Kind::Map: return "#{" + join(t.items, 2, " => ") + "}";
    case Term::Kind::Other: return t.text;
  }
  return {};
}

}  // namespace beamscope::cli::attach
