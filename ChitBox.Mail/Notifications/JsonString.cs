using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChitBox.Mail.Notifications;

/// <summary>
/// A text kept as its JSON string token, quotes and escapes included. A mail body crosses
/// from the Redis event to the SignalR push as these bytes: the API neither unescapes nor
/// escapes it again, which at 64 KB was most of its work per message.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed class JsonString
{
    // The UTF-8 JSON string literal.
    private readonly byte[] _token;

    private JsonString(byte[] token) => _token = token;

    public static JsonString? From(string? text) =>
        text is null ? null : new JsonString(JsonSerializer.SerializeToUtf8Bytes(text, NewMailEvent.SerializerOptions));

    public override string ToString() => JsonSerializer.Deserialize<string>(_token)!;

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

            return new JsonString(token);
        }

        public override void Write(Utf8JsonWriter writer, JsonString value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value._token, skipInputValidation: true);
    }
}
