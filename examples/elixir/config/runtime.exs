import Config

# Ports chosen at start time (tests pick free ones) override config.exs.
if stream = System.get_env("BEAMSCOPE_STREAM") do
  config :beamscope, stream_endpoint: stream
end

if metrics = System.get_env("BEAMSCOPE_METRICS") do
  config :beamscope, metrics_listen: metrics
end
