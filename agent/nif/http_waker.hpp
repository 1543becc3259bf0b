// Makes prometheus::Exposer stop promptly. Its HTTP server (civetweb)
// checks its stop flag only between polls of the listening socket, which
// wait up to 2 s; while the exposer is being destroyed, a helper thread
// connects to the socket every few milliseconds so the poll returns and
// the stop is seen within ~10 ms instead of ~2 s; and it shuts down the
// connections workers are blocked on (stalled clients), which they would
// otherwise wait out in 2 s slices until their request deadline.
#pragma once

#include <functional>
#include <string>

namespace beamscope::agent {

/// Runs `destroy` (which stops the HTTP server listening on `listen`,
/// "HOST:PORT") while poking that address. Safe when nothing listens.
void stop_http_promptly(const std::string& listen, int port, const std::function<void()>& destroy);

}  // namespace beamscope::agent
