#include "proto_terms.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "beamscope/protocol/limits.hpp"
#include "terms.hpp"

namespace beamscope::agent {

namespace pb = google::protobuf;
namespace limits = protocol::limits;

namespace {

constexpr std::size_t kMaxListItems = 100000;

ERL_NIF_TERM atom_of(ErlNifEnv* env, const std::string& name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return enif_make_atom(env, lower.c_str());
}

ERL_NIF_TERM binary(ErlNifEnv* env, const std::string& s) {
  ERL_NIF_TERM t;
  unsigned char* data = enif_make_new_binary(env, s.size(), &t);
  if (!s.empty()) std::copy(s.begin(), s.end(), data);
  return t;
}

ERL_NIF_TERM value_term(ErlNifEnv* env, const pb::Message& msg, const pb::FieldDescriptor* f, int i) {
  const pb::Reflection* r = msg.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return enif_make_int(env, rep ? r->GetRepeatedInt32(msg, f, i) : r->GetInt32(msg, f));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return enif_make_int64(env, rep ? r->GetRepeatedInt64(msg, f, i) : r->GetInt64(msg, f));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return enif_make_uint(env, rep ? r->GetRepeatedUInt32(msg, f, i) : r->GetUInt32(msg, f));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return enif_make_uint64(env, rep ? r->GetRepeatedUInt64(msg, f, i) : r->GetUInt64(msg, f));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return enif_make_double(env, rep ? r->GetRepeatedDouble(msg, f, i) : r->GetDouble(msg, f));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return enif_make_double(env, rep ? r->GetRepeatedFloat(msg, f, i) : r->GetFloat(msg, f));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return enif_make_atom(env, (rep ? r->GetRepeatedBool(msg, f, i) : r->GetBool(msg, f)) ? "true" : "false");
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return binary(env, rep ? r->GetRepeatedString(msg, f, i) : r->GetString(msg, f));
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v = rep ? r->GetRepeatedEnum(msg, f, i) : r->GetEnum(msg, f);
      // A value this build does not know has no name: 'unknown'.
      return v ? atom_of(env, v->name()) : enif_make_atom(env, "unknown");
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return message_term(env, rep ? r->GetRepeatedMessage(msg, f, i) : r->GetMessage(msg, f));
  }
  return enif_make_atom(env, "undefined");
}

std::size_t string_bound(const pb::FieldDescriptor* f) {
  const std::string& name = f->name();
  if (name == "text") return limits::kMaxStateText;
  if (name == "messages") return limits::kMaxMessageText;
  if (name == "tree_id") return 4 * limits::kMaxString;
  return limits::kMaxString;
}

// Binaries and atoms (made valid UTF-8, cut to `max`); [] is "".
bool read_string(ErlNifEnv* env, ERL_NIF_TERM t, std::size_t max, std::string& out) {
  if (enif_is_binary(env, t) || enif_is_atom(env, t)) {
    out = terms::text(env, t, max);
    return true;
  }
  if (enif_is_empty_list(env, t)) {
    out.clear();
    return true;
  }
  return false;
}

bool set_value(ErlNifEnv* env, ERL_NIF_TERM t, pb::Message& msg, const pb::FieldDescriptor* f) {
  const pb::Reflection* r = msg.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      ErlNifSInt64 v = 0;
      if (!enif_get_int64(env, t, &v)) {
        double d = 0;
        if (!enif_get_double(env, t, &d)) return false;
        v = static_cast<ErlNifSInt64>(d);
      }
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32) {
        const auto v32 = static_cast<std::int32_t>(std::clamp<ErlNifSInt64>(v, INT32_MIN, INT32_MAX));
        rep ? r->AddInt32(&msg, f, v32) : r->SetInt32(&msg, f, v32);
      } else {
        rep ? r->AddInt64(&msg, f, v) : r->SetInt64(&msg, f, v);
      }
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      ErlNifUInt64 v = 0;
      if (!enif_get_uint64(env, t, &v)) {
        double d = 0;
        if (!enif_get_double(env, t, &d) || d < 0) return false;
        v = static_cast<ErlNifUInt64>(d);
      }
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT32) {
        const auto v32 = static_cast<std::uint32_t>(std::min<ErlNifUInt64>(v, UINT32_MAX));
        rep ? r->AddUInt32(&msg, f, v32) : r->SetUInt32(&msg, f, v32);
      } else {
        rep ? r->AddUInt64(&msg, f, v) : r->SetUInt64(&msg, f, v);
      }
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double d = 0;
      ErlNifSInt64 i = 0;
      if (enif_get_double(env, t, &d)) {
      } else if (enif_get_int64(env, t, &i)) {
        d = static_cast<double>(i);
      } else {
        return false;
      }
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE)
        rep ? r->AddDouble(&msg, f, d) : r->SetDouble(&msg, f, d);
      else
        rep ? r->AddFloat(&msg, f, static_cast<float>(d)) : r->SetFloat(&msg, f, static_cast<float>(d));
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      char name[8];
      if (enif_get_atom(env, t, name, sizeof name, ERL_NIF_LATIN1) <= 0) return false;
      const bool b = std::string(name) == "true";
      rep ? r->AddBool(&msg, f, b) : r->SetBool(&msg, f, b);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string s;
      if (!read_string(env, t, string_bound(f), s)) return false;
      rep ? r->AddString(&msg, f, std::move(s)) : r->SetString(&msg, f, std::move(s));
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      char name[64];
      if (enif_get_atom(env, t, name, sizeof name, ERL_NIF_LATIN1) <= 0) return false;
      std::string upper(name);
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByName(upper);
      if (!v) return false;
      rep ? r->AddEnum(&msg, f, v) : r->SetEnum(&msg, f, v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      if (!enif_is_map(env, t)) return false;
      pb::Message* sub = rep ? r->AddMessage(&msg, f) : r->MutableMessage(&msg, f);
      return read_message(env, t, *sub);
    }
  }
  return false;
}

}  // namespace

ERL_NIF_TERM message_term(ErlNifEnv* env, const pb::Message& msg) {
  const pb::Descriptor* d = msg.GetDescriptor();
  const pb::Reflection* r = msg.GetReflection();
  std::vector<ERL_NIF_TERM> keys, values;
  for (int k = 0; k < d->field_count(); ++k) {
    const pb::FieldDescriptor* f = d->field(k);
    keys.push_back(enif_make_atom(env, f->name().c_str()));
    if (f->is_repeated()) {
      const int n = std::min<int>(r->FieldSize(msg, f), static_cast<int>(kMaxListItems));
      std::vector<ERL_NIF_TERM> items;
      items.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) items.push_back(value_term(env, msg, f, i));
      values.push_back(enif_make_list_from_array(env, items.data(), static_cast<unsigned>(items.size())));
    } else {
      values.push_back(value_term(env, msg, f, 0));
    }
  }
  ERL_NIF_TERM map;
  if (!enif_make_map_from_arrays(env, keys.data(), values.data(), keys.size(), &map)) map = enif_make_new_map(env);
  return map;
}

bool read_message(ErlNifEnv* env, ERL_NIF_TERM map, pb::Message& out) {
  if (!enif_is_map(env, map)) return false;
  const pb::Descriptor* d = out.GetDescriptor();
  for (int k = 0; k < d->field_count(); ++k) {
    const pb::FieldDescriptor* f = d->field(k);
    ERL_NIF_TERM v;
    if (!enif_get_map_value(env, map, enif_make_atom(env, f->name().c_str()), &v)) continue;
    if (f->is_repeated()) {
      ERL_NIF_TERM head;
      std::size_t n = 0;
      while (n < kMaxListItems && enif_get_list_cell(env, v, &head, &v)) {
        ++n;
        (void)set_value(env, head, out, f);  // a mistyped item is skipped
      }
    } else {
      (void)set_value(env, v, out, f);
    }
  }
  return true;
}

}  // namespace beamscope::agent
