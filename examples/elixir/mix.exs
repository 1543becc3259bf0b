defmodule ExDemo.MixProject do
  use Mix.Project

  # A small Elixir server with the beamscope agent embedded. No hex
  # packages: the agent comes from the beamscope build through ERL_LIBS
  # (ERL_LIBS=../../build/erlang), so `mix` never needs the network.
  def project do
    [
      app: :ex_demo,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      elixirc_paths: elixirc_paths(Mix.env()),
      deps: []
    ]
  end

  # :beamscope is an OTP dependency like :logger: it starts before :ex_demo
  # and stops after it, configured by config/*.exs.
  def application do
    [
      extra_applications: [:logger, :inets, :beamscope] ++ test_applications(Mix.env()),
      mod: {ExDemo.Application, []}
    ]
  end

  # The test scrapes /metrics with :httpc, which on OTP 27+ calls
  # :public_key even for an http:// URL; Elixir 1.15+ puts only the listed
  # applications on the code path, so the test lists (and starts) :ssl
  # and its :public_key.
  defp test_applications(:test), do: [:public_key, :ssl]
  defp test_applications(_), do: []

  defp elixirc_paths(:test), do: ["lib", "test/support"]
  defp elixirc_paths(_), do: ["lib"]
end
