using System.Text;
using ChitBox.SmtpIngress.Protocol;

namespace ChitBox.Tests.SmtpIngress.Protocol;

public sealed class SmtpCommandParserTests
{
    public static TheoryData<string, SmtpCommand> ValidCommands => new()
    {
        { "EHLO client.example", new EhloCommand("client.example") },
        { "ehlo client.example", new EhloCommand("client.example") },
        { "EhLo [192.0.2.1]", new EhloCommand("[192.0.2.1]") },
        { "HELO client.example", new HeloCommand("client.example") },
        { "  HELO   client.example  ", new HeloCommand("client.example") },
        { "MAIL FROM:<>", new MailCommand("", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<alice@example.com>", new MailCommand("alice@example.com", null, MailBodyType.SevenBit, false) },
        { "mail from:<alice@example.com>", new MailCommand("alice@example.com", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM: <alice@example.com>", new MailCommand("alice@example.com", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:alice@example.com", new MailCommand("alice@example.com", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<alice@example.com> SIZE=1000", new MailCommand("alice@example.com", 1000, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<alice@example.com> size=1000 body=8bitmime", new MailCommand("alice@example.com", 1000, MailBodyType.EightBitMime, false) },
        { "MAIL FROM:<alice@example.com> BODY=7BIT", new MailCommand("alice@example.com", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<alice@example.com> BODY=BINARYMIME", new MailCommand("alice@example.com", null, MailBodyType.BinaryMime, false) },
        { "MAIL FROM:<alice@example.com> SIZE=99999999999999999999", new MailCommand("alice@example.com", long.MaxValue, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<jösé@exämple.com> SMTPUTF8", new MailCommand("jösé@exämple.com", null, MailBodyType.SevenBit, true) },
        { "MAIL FROM:<@relay1.example,@relay2.example:alice@example.com>", new MailCommand("alice@example.com", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<\"john doe\"@example.com>", new MailCommand("\"john doe\"@example.com", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<\"odd>quoted\\\"\"@example.com>", new MailCommand("\"odd>quoted\\\"\"@example.com", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<alice@[192.0.2.1]>", new MailCommand("alice@[192.0.2.1]", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<alice@[IPv6:2001:db8::1]>", new MailCommand("alice@[IPv6:2001:db8::1]", null, MailBodyType.SevenBit, false) },
        { "MAIL FROM:<first.last+tag!#$%&'*/=?^_`{|}~-@sub.example.com>", new MailCommand("first.last+tag!#$%&'*/=?^_`{|}~-@sub.example.com", null, MailBodyType.SevenBit, false) },
        { "RCPT TO:<bob@chitbox.local>", new RcptCommand("bob@chitbox.local") },
        { "rcpt to: <Bob@ChitBox.Local>", new RcptCommand("Bob@ChitBox.Local") },
        { "RCPT TO:<Postmaster>", new RcptCommand("Postmaster") },
        { "RCPT TO:<@hop.example:bob@chitbox.local>", new RcptCommand("bob@chitbox.local") },
        { "RCPT TO:<用户@例子.广告>", new RcptCommand("用户@例子.广告") },
        { "DATA", DataCommand.Instance },
        { "data", DataCommand.Instance },
        { "BDAT 0 LAST", new BdatCommand(0, true) },
        { "BDAT 1000", new BdatCommand(1000, false) },
        { "bdat 42 last", new BdatCommand(42, true) },
        { "RSET", RsetCommand.Instance },
        { "NOOP", NoopCommand.Instance },
        { "NOOP anything at all", NoopCommand.Instance },
        { "QUIT", QuitCommand.Instance },
        { "VRFY bob", new VrfyCommand("bob") },
        { "HELP", new HelpCommand(null) },
        { "HELP MAIL", new HelpCommand("MAIL") },
        { "STARTTLS", StartTlsCommand.Instance },
        { "starttls", StartTlsCommand.Instance },
    };

    public static TheoryData<string, int, string?> InvalidCommands => new()
    {
        { "", 500, "5.5.2" },
        { "XYZZY", 500, "5.5.2" },
        { "EXPN staff", 500, "5.5.2" },
        { "AUTH PLAIN", 500, "5.5.2" },
        { "MAILFROM:<a@b.c>", 500, "5.5.2" },
        { "EHLO", 501, "5.5.4" },
        { "HELO ", 501, "5.5.4" },
        { "MAIL", 501, "5.5.4" },
        { "MAIL TO:<a@b.c>", 501, "5.5.4" },
        { "MAIL FROM:", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c", 501, "5.5.4" },
        { "MAIL FROM:<a@>", 501, "5.5.4" },
        { "MAIL FROM:<@b.c>", 501, "5.5.4" },
        { "MAIL FROM:<a b@c.d>", 501, "5.5.4" },
        { "MAIL FROM:<a@b..c>", 501, "5.5.4" },
        { "MAIL FROM:<a@[300.1.1.1]>", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c>x", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SIZE=", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SIZE=abc", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SIZE=-1", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SIZE=1 SIZE=2", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> BODY=9BIT", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SMTPUTF8=yes", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> =x", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> RET=HDRS", 555, "5.5.4" },
        { "MAIL FROM:<a@b.c> AUTH=<>", 555, "5.5.4" },
        { "RCPT TO:<>", 501, "5.5.4" },
        { "RCPT TO:", 501, "5.5.4" },
        { "RCPT FROM:<a@b.c>", 501, "5.5.4" },
        { "RCPT TO:<bob>", 501, "5.5.4" },
        { "RCPT TO:<bob@chitbox.local> NOTIFY=NEVER", 555, "5.5.4" },
        { "DATA now", 501, "5.5.4" },
        { "BDAT", 501, "5.5.4" },
        { "BDAT x", 501, "5.5.4" },
        { "BDAT -1", 501, "5.5.4" },
        { "BDAT 10 FIRST", 501, "5.5.4" },
        { "BDAT 10 LAST extra", 501, "5.5.4" },
        { "BDAT 99999999999999999999", 501, "5.5.4" },
        { "RSET now", 501, "5.5.4" },
        { "VRFY", 501, "5.5.4" },
        { "STARTTLS now", 501, "5.5.4" },
    };

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void Valid_command_parses_to_its_record(string line, SmtpCommand expected)
    {
        var result = SmtpCommandParser.Parse(Sequences.Of(line));

        Assert.True(result.IsSuccess, $"'{line}' gave {result.Error}");
        Assert.Equal(expected, result.Command);
    }

    [Theory]
    [MemberData(nameof(InvalidCommands))]
    public void Invalid_command_gives_its_error_reply(string line, int code, string? enhancedCode)
    {
        var result = SmtpCommandParser.Parse(Sequences.Of(line));

        Assert.False(result.IsSuccess, $"'{line}' parsed as {result.Command}");
        Assert.Equal(code, result.Error.Code);
        Assert.Equal(enhancedCode, result.Error.EnhancedCode);
    }

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void Parsing_is_the_same_whatever_the_segment_boundaries(string line, SmtpCommand expected)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(expected, SmtpCommandParser.Parse(Sequences.Split(bytes, cut)).Command);
        }

        Assert.Equal(expected, SmtpCommandParser.Parse(Sequences.Split(bytes, 1, bytes.Length / 2, bytes.Length - 1)).Command);
        Assert.Equal(expected, SmtpCommandParser.Parse(Sequences.PerByte(bytes)).Command);
    }

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void Every_prefix_of_a_command_gives_a_command_or_a_reply(string line, SmtpCommand expected)
    {
        _ = expected;
        var bytes = Encoding.UTF8.GetBytes(line);
        for (var length = 0; length <= bytes.Length; length++)
        {
            var prefix = bytes.AsMemory(0, length);
            var single = SmtpCommandParser.Parse(Sequences.Split(prefix));
            var split = SmtpCommandParser.Parse(Sequences.PerByte(prefix));

            Assert.True(single.IsSuccess || single.Error.IsError);
            Assert.Equal(single.Command, split.Command);
            Assert.Equal(single.Error?.ToString(), split.Error?.ToString());
        }
    }

    [Fact]
    public void Nul_byte_in_arguments_is_a_syntax_error()
    {
        var result = SmtpCommandParser.Parse(new ReadOnlySpan<byte>([.. "MAIL FROM:<a@b.c>"u8, 0]));

        Assert.Equal(501, result.Error?.Code);
    }

    [Fact]
    public void Invalid_utf8_in_arguments_is_a_syntax_error()
    {
        var result = SmtpCommandParser.Parse(new ReadOnlySpan<byte>([.. "RCPT TO:<"u8, 0xC3, 0x28, .. "@b.c>"u8]));

        Assert.Equal(501, result.Error?.Code);
    }

    [Fact]
    public void Bare_cr_inside_a_line_is_a_syntax_error()
    {
        var result = SmtpCommandParser.Parse("RCPT TO:<a@b.c>\rDATA"u8);

        Assert.Equal(501, result.Error?.Code);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(5321);
        var buffer = new byte[600];
        for (var i = 0; i < 5000; i++)
        {
            var length = random.Next(buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));

            // Give half of them a real verb so argument parsing is exercised too.
            if (i % 2 == 0 && length > 10)
            {
                var verbs = new[] { "MAIL FROM:<", "RCPT TO:<", "EHLO ", "BDAT ", "VRFY " };
                Encoding.ASCII.GetBytes(verbs[i % verbs.Length]).CopyTo(buffer, 0);
            }

            var result = SmtpCommandParser.Parse(Sequences.Split(buffer.AsMemory(0, length), length / 3));
            Assert.True(result.IsSuccess || result.Error.IsError);
        }
    }
}
