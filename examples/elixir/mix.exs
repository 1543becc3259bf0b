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
      extra_applications: [:logger, :inets, :beamscope],
      mod: {ExDemo.Application, []}
    ]
  end

  defp elixirc_paths(:test), do: ["lib", "test/support"]
  defp elixirc_paths(_), do: ["lib"]
end
