using System.Text;
using System.Text.Json;
using ChitBox.Mail.Notifications;

namespace ChitBox.Tests.Mail;

public sealed class JsonStringTests
{
    private const string Text = "line \"one\"\r\n<b>Grüße</b> \\ \u2028 \U0001F600 \u0001";

    [Fact]
    public void Read_and_written_again_it_is_the_same_token_and_the_same_text()
    {
        var json = JsonSerializer.Serialize(new Holder(JsonString.From(Text)));

        var read = JsonSerializer.Deserialize<Holder>(json)!;

        Assert.Equal(Text, read.Body!.ToString());
        Assert.Equal(json, JsonSerializer.Serialize(read));
        Assert.Equal(Text, JsonDocument.Parse(json).RootElement.GetProperty("Body").GetString());
    }

    [Fact]
    public void Null_stays_null_and_a_non_string_is_refused()
    {
        Assert.Null(JsonString.From(null));
        Assert.Null(JsonSerializer.Deserialize<Holder>("""{"Body":null}""")!.Body);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("""{"Body":42}"""));
    }

    [Fact]
    public void A_token_split_across_buffers_is_read_whole()
    {
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Holder(JsonString.From(new string('x', 10_000) + Text))));

        // A small buffer makes the reader see the string in several segments.
        var read = JsonSerializer.Deserialize<Holder>(new MemoryStream(json), new JsonSerializerOptions { DefaultBufferSize = 16 })!;

        Assert.Equal(new string('x', 10_000) + Text, read.Body!.ToString());
    }

    private sealed record Holder(JsonString? Body);
}
