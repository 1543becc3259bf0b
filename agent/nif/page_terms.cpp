#include "page_terms.hpp"

#include "beamscope/protocol/limits.hpp"
#include "terms.hpp"
#include "tree_atoms.hpp"
#include "tree_terms.hpp"

namespace beamscope::agent {

namespace limits = protocol::limits;
namespace a = tree_atoms;

namespace {

ERL_NIF_TERM order_atom(v1::ChildrenRequest::Order order) {
  switch (order) {
    case v1::ChildrenRequest::SUPERVISOR_ORDER: return a::supervisor_order;
    case v1::ChildrenRequest::BY_MAILBOX: return a::by_mailbox;
    case v1::ChildrenRequest::BY_MEMORY: return a::by_memory;
    case v1::ChildrenRequest::BY_REDUCTIONS: return a::by_reductions;
    default: return a::unknown;
  }
}

v1::ChildrenRequest::Order order_of(ErlNifEnv* env, ERL_NIF_TERM page) {
  ERL_NIF_TERM v;
  if (!enif_get_map_value(env, page, a::order, &v)) return v1::ChildrenRequest::SUPERVISOR_ORDER;
  if (enif_is_identical(v, a::by_mailbox)) return v1::ChildrenRequest::BY_MAILBOX;
  if (enif_is_identical(v, a::by_memory)) return v1::ChildrenRequest::BY_MEMORY;
  if (enif_is_identical(v, a::by_reductions)) return v1::ChildrenRequest::BY_REDUCTIONS;
  return v1::ChildrenRequest::SUPERVISOR_ORDER;
}

ERL_NIF_TERM binary(ErlNifEnv* env, const std::string& s) {
  ERL_NIF_TERM t;
  unsigned char* data = enif_make_new_binary(env, s.size(), &t);
  if (!s.empty()) std::copy(s.begin(), s.end(), data);
  return t;
}

}  // namespace

ERL_NIF_TERM request_term(ErlNifEnv* env, const std::string& viewer, const v1::ChildrenRequest& request) {
  // The decoder bounds the id already; cut it again so Erlang never sees more.
  std::string id = request.supervisor_id();
  terms::truncate_utf8(id, limits::kMaxString);
  ERL_NIF_TERM keys[] = {a::request_id, a::supervisor_id, a::offset, a::limit, a::order};
  ERL_NIF_TERM values[] = {enif_make_uint64(env, request.request_id()), binary(env, id),
                           enif_make_uint(env, request.offset()), enif_make_uint(env, request.limit()),
                           order_atom(request.order())};
  ERL_NIF_TERM map;
  if (!enif_make_map_from_arrays(env, keys, values, std::size(keys), &map)) map = enif_make_new_map(env);
  return enif_make_tuple3(env, a::beamscope_children_request, binary(env, viewer), map);
}

bool read_page(ErlNifEnv* env, ERL_NIF_TERM page, v1::ChildrenPage& out) {
  if (!enif_is_map(env, page)) return false;
  out.set_request_id(terms::u64(env, page, a::request_id));
  out.set_supervisor_id(terms::text(env, page, a::supervisor_id, limits::kMaxString));
  const auto clamp32 = [](std::uint64_t v) { return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, 0xffffffffu)); };
  out.set_offset(clamp32(terms::u64(env, page, a::offset)));
  out.set_total(clamp32(terms::u64(env, page, a::total)));
  out.set_order(order_of(env, page));
  out.set_error(terms::text(env, page, a::error, limits::kMaxString));
  ERL_NIF_TERM list, head;
  if (out.error().empty() && enif_get_map_value(env, page, a::children, &list)) {
    while (enif_get_list_cell(env, list, &head, &list) &&
           static_cast<std::size_t>(out.children_size()) < limits::kMaxPageChildren) {
      v1::TreeNode n;
      if (read_tree_node(env, head, n)) *out.add_children() = std::move(n);
    }
  }
  return true;
}

v1::ChildrenPage error_page(const v1::ChildrenRequest& request, const std::string& error) {
  v1::ChildrenPage page;
  page.set_request_id(request.request_id());
  std::string id = request.supervisor_id();
  terms::truncate_utf8(id, limits::kMaxString);
  page.set_supervisor_id(id);
  page.set_offset(request.offset());
  page.set_order(request.order());
  page.set_error(error);
  return page;
}

}  // namespace beamscope::agent
