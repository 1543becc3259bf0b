// Which bodies are requests and answers, and the error answers (see
// requests.hpp).
#include "beamscope/protocol/requests.hpp"

#include "beamscope/protocol/processes.hpp"

namespace beamscope::protocol {

bool is_request(const Envelope& env) {
  return env.has_children_request() || env.has_processes_request() || env.has_process_request() ||
         env.has_action_request() || env.has_history_request();
}

bool is_answer(const Envelope& env) {
  return env.has_children_page() || env.has_processes_page() || env.has_process_detail() ||
         env.has_action_result() || env.has_history_answer();
}

std::uint64_t request_id(const Envelope& env) {
  switch (env.body_case()) {
    case Envelope::kChildrenRequest: return env.children_request().request_id();
    case Envelope::kChildrenPage: return env.children_page().request_id();
    case Envelope::kProcessesRequest: return env.processes_request().request_id();
    case Envelope::kProcessesPage: return env.processes_page().request_id();
    case Envelope::kProcessRequest: return env.process_request().request_id();
    case Envelope::kProcessDetail: return env.process_detail().request_id();
    case Envelope::kActionRequest: return env.action_request().request_id();
    case Envelope::kActionResult: return env.action_result().request_id();
    case Envelope::kHistoryRequest: return env.history_request().request_id();
    case Envelope::kHistoryAnswer: return env.history_answer().request_id();
    default: return 0;
  }
}

void set_request_id(Envelope& env, std::uint64_t id) {
  switch (env.body_case()) {
    case Envelope::kChildrenRequest: env.mutable_children_request()->set_request_id(id); break;
    case Envelope::kChildrenPage: env.mutable_children_page()->set_request_id(id); break;
    case Envelope::kProcessesRequest: env.mutable_processes_request()->set_request_id(id); break;
    case Envelope::kProcessesPage: env.mutable_processes_page()->set_request_id(id); break;
    case Envelope::kProcessRequest: env.mutable_process_request()->set_request_id(id); break;
    case Envelope::kProcessDetail: env.mutable_process_detail()->set_request_id(id); break;
    case Envelope::kActionRequest: env.mutable_action_request()->set_request_id(id); break;
    case Envelope::kActionResult: env.mutable_action_result()->set_request_id(id); break;
    case Envelope::kHistoryRequest: env.mutable_history_request()->set_request_id(id); break;
    case Envelope::kHistoryAnswer: env.mutable_history_answer()->set_request_id(id); break;
    default: break;
  }
}

bool answers(const Envelope& request, const Envelope& answer) {
  const bool kind = (request.has_children_request() && answer.has_children_page()) ||
                    (request.has_processes_request() && answer.has_processes_page()) ||
                    (request.has_process_request() && answer.has_process_detail()) ||
                    (request.has_action_request() && answer.has_action_result()) ||
                    (request.has_history_request() && answer.has_history_answer());
  return kind && request_id(request) == request_id(answer);
}

std::optional<std::string> check_request(const Envelope& env) {
  switch (env.body_case()) {
    case Envelope::kProcessesRequest: return check(env.processes_request());
    case Envelope::kProcessRequest: return check(env.process_request());
    case Envelope::kActionRequest: return check(env.action_request());
    default: return std::nullopt;
  }
}

Envelope error_answer(const Envelope& request, const std::string& why, bool refused) {
  Envelope out;
  out.set_node(request.node());
  switch (request.body_case()) {
    case Envelope::kChildrenRequest: {
      const auto& ask = request.children_request();
      auto* page = out.mutable_children_page();
      page->set_request_id(ask.request_id());
      page->set_supervisor_id(ask.supervisor_id());
      page->set_offset(ask.offset());
      page->set_order(ask.order());
      page->set_error(why);
      break;
    }
    case Envelope::kProcessesRequest: {
      const auto& ask = request.processes_request();
      auto* page = out.mutable_processes_page();
      page->set_request_id(ask.request_id());
      page->set_offset(ask.offset());
      page->set_sort(ask.sort());
      page->set_ascending(ask.ascending());
      page->set_error(why);
      break;
    }
    case Envelope::kProcessRequest: {
      auto* d = out.mutable_process_detail();
      d->set_request_id(request.process_request().request_id());
      d->set_pid(request.process_request().pid());
      d->set_error(why);
      break;
    }
    case Envelope::kActionRequest: {
      const auto& ask = request.action_request();
      auto* r = out.mutable_action_result();
      r->set_request_id(ask.request_id());
      r->set_pid(ask.pid());
      r->set_action(ask.action());
      r->set_error(why);
      r->set_refused(refused);
      break;
    }
    case Envelope::kHistoryRequest: {
      auto* a = out.mutable_history_answer();
      a->set_request_id(request.history_request().request_id());
      a->set_series(request.history_request().series().substr(0, 64));
      a->set_error(why);
      break;
    }
    default: break;
  }
  return out;
}

std::string describe_request(const Envelope& request) {
  switch (request.body_case()) {
    case Envelope::kChildrenRequest: return "children of " + request.children_request().supervisor_id();
    case Envelope::kProcessesRequest:
      return "processes page by " + std::string(page_key_name(request.processes_request().sort()));
    case Envelope::kProcessRequest: return "process " + request.process_request().pid();
    case Envelope::kActionRequest:
      return "action " + std::string(action_name(request.action_request().action())) + " " +
             request.action_request().pid();
    case Envelope::kHistoryRequest: return "history of " + request.history_request().series().substr(0, 64);
    default: return "no request";
  }
}

}  // namespace beamscope::protocol
