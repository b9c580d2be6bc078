using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChitBox.Mail.Notifications;

/// <summary>
/// A text that, once read from JSON, is kept as its JSON string token, quotes and escapes
/// included. A mail body crosses from the Redis event to the SignalR push as these bytes:
/// the API neither unescapes nor escapes it again, which at 64 KB was most of its work per
/// message. Made from a string, it is escaped once, straight into the JSON that carries it.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed class JsonString
{
    // Exactly one is set: the text as given, or the UTF-8 JSON string literal as read.
    private readonly string? _text;
    private readonly byte[]? _token;

    private JsonString(string? text, byte[]? token) => (_text, _token) = (text, token);

    public static JsonString? From(string? text) => text is null ? null : new JsonString(text, null);

    public override string ToString() => _text ?? JsonSerializer.Deserialize<string>(_token)!;

    private sealed class Converter : JsonConverter<JsonString>
    {
        public override JsonString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"Expected a string, found {reader.TokenType}.");
            }

            // The reader has validated the token; its value comes without the quotes.
            var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
            var token = new byte[length + 2];
            token[0] = token[^1] = (byte)'"';
            if (reader.HasValueSequence)
            {
                reader.ValueSequence.CopyTo(token.AsSpan(1));
            }
            else
            {
                reader.ValueSpan.CopyTo(token.AsSpan(1));
            }

            return new JsonString(null, token);
        }

        public override void Write(Utf8JsonWriter writer, JsonString value, JsonSerializerOptions options)
        {
            if (value._token is { } token)
            {
                writer.WriteRawValue(token, skipInputValidation: true);
            }
            else
            {
                writer.WriteStringValue(value._text);
            }
        }
    }
}
