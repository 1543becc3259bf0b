import Config

# The beamscope agent's settings (see the README's "Agent settings").
config :beamscope,
  stream_endpoint: "tcp://127.0.0.1:9755",
  metrics_listen: "127.0.0.1:9754",
  tick_ms: 1000

config :ex_demo,
  crash_interval_ms: 3_000,
  backlog_interval_ms: 20

# The primary level must let supervisor reports (:error) through: the
# agent's logger handler counts restarts from them.
config :logger, level: :warning

# The crasher's reports are expected in tests; keep them off the console.
if config_env() == :test do
  config :logger, :console, level: :critical
end
