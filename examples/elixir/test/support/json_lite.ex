defmodule ExDemo.JsonLite do
  @moduledoc """
  Just enough JSON decoding for the tests to read `beamscope-ctl --json`
  (Elixir 1.14 and OTP 25 ship no JSON module, and the example uses no hex
  packages). Objects become maps with string keys.
  """

  @spec decode!(String.t()) :: term()
  def decode!(text) do
    {value, rest} = value(skip(text))
    "" = skip(rest)
    value
  end

  defp skip(<<c, rest::binary>>) when c in ~c[ \t\r\n], do: skip(rest)
  defp skip(rest), do: rest

  defp value("{" <> rest), do: object(skip(rest), %{})
  defp value("[" <> rest), do: array(skip(rest), [])
  defp value("\"" <> rest), do: string(rest, [])
  defp value("true" <> rest), do: {true, rest}
  defp value("false" <> rest), do: {false, rest}
  defp value("null" <> rest), do: {nil, rest}
  defp value(rest), do: number(rest)

  defp object("}" <> rest, acc), do: {acc, rest}
  defp object(text, acc) do
    {key, rest} = value(text)
    ":" <> rest = skip(rest)
    {v, rest} = value(skip(rest))
    acc = Map.put(acc, key, v)
    case skip(rest) do
      "," <> rest -> object(skip(rest), acc)
      "}" <> rest -> {acc, rest}
    end
  end

  defp array("]" <> rest, acc), do: {Enum.reverse(acc), rest}
  defp array(text, acc) do
    {v, rest} = value(text)
    case skip(rest) do
      "," <> rest -> array(skip(rest), [v | acc])
      "]" <> rest -> {Enum.reverse([v | acc]), rest}
    end
  end

  defp string("\"" <> rest, acc), do: {IO.iodata_to_binary(Enum.reverse(acc)), rest}
  defp string("\\u" <> <<hex::binary-size(4), rest::binary>>, acc),
    do: string(rest, [<<String.to_integer(hex, 16)::utf8>> | acc])
  defp string("\\" <> <<c, rest::binary>>, acc), do: string(rest, [unescape(c) | acc])
  defp string(<<c::utf8, rest::binary>>, acc), do: string(rest, [<<c::utf8>> | acc])

  defp unescape(?n), do: "\n"
  defp unescape(?t), do: "\t"
  defp unescape(?r), do: "\r"
  defp unescape(?b), do: "\b"
  defp unescape(?f), do: "\f"
  defp unescape(c), do: <<c>>

  defp number(text) do
    # The whole match only (a fraction or exponent is a capture group too);
    # Float.parse also takes "1e5", which String.to_float refuses.
    [num] = Regex.run(~r/^-?\d+(\.\d+)?([eE][-+]?\d+)?/, text, capture: :first)
    rest = binary_part(text, byte_size(num), byte_size(text) - byte_size(num))
    value = if String.contains?(num, [".", "e", "E"]), do: elem(Float.parse(num), 0), else: String.to_integer(num)
    {value, rest}
  end
end
