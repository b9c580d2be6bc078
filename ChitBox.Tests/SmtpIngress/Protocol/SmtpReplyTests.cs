using System.Text;
using ChitBox.SmtpIngress.Protocol;

namespace ChitBox.Tests.SmtpIngress.Protocol;

public sealed class SmtpReplyTests
{
    [Fact]
    public void Single_line_reply_is_code_enhanced_code_and_text()
    {
        Assert.Equal("550 5.1.1 Recipient address rejected: User unknown\r\n", Encoding.ASCII.GetString(SmtpReplies.UnknownUser.ToBytes()));
    }

    [Fact]
    public void Multi_line_reply_uses_dashes_until_the_last_line()
    {
        var reply = new SmtpReply(250, null, "mx Hello c", "PIPELINING", "SIZE 10");

        Assert.Equal("250-mx Hello c\r\n250-PIPELINING\r\n250 SIZE 10\r\n", Encoding.ASCII.GetString(reply.ToBytes()));
    }

    [Fact]
    public void Enhanced_code_is_repeated_on_every_line()
    {
        Assert.Equal("214-2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS\r\n214 2.0.0 See RFC 5321", SmtpReplies.Help.ToString());
    }

    [Fact]
    public void Reply_text_cannot_smuggle_a_line_break()
    {
        Assert.Throws<ArgumentException>(() => new SmtpReply(250, null, "a\r\n250 b"));
    }

    public static TheoryData<string, int, string?> ContractReplies => new()
    {
        { SmtpReplies.Greeting("mx", "ChitBox SMTP Server").ToString(), 220, null },
        { SmtpReplies.RecipientOk.ToString(), 250, "2.1.5" },
        { SmtpReplies.UnknownUser.ToString(), 550, "5.1.1" },
        { SmtpReplies.RelayDenied.ToString(), 550, "5.7.1" },
        { SmtpReplies.TooManyRecipients.ToString(), 452, "4.5.3" },
        { SmtpReplies.MessageTooBig.ToString(), 552, "5.3.4" },
        { SmtpReplies.BadSequence.ToString(), 503, "5.5.1" },
        { SmtpReplies.NoValidRecipients.ToString(), 503, "5.5.1" },
        { SmtpReplies.UnknownCommand.ToString(), 500, "5.5.2" },
        { SmtpReplies.LineTooLong.ToString(), 500, "5.5.2" },
        { SmtpReplies.TextLineTooLong.ToString(), 554, "5.6.0" },
        { SmtpReplies.SyntaxError.ToString(), 501, "5.5.4" },
        { SmtpReplies.UnknownParameter.ToString(), 555, "5.5.4" },
        { SmtpReplies.StorageUnavailable.ToString(), 451, "4.3.0" },
        { SmtpReplies.ShuttingDown("mx").ToString(), 421, "4.3.2" },
        { SmtpReplies.IdleTimeout("mx").ToString(), 421, "4.4.2" },
        { SmtpReplies.Accepted("ABC123").ToString(), 250, "2.0.0" },
        { SmtpReplies.CannotVerify.ToString(), 252, "2.5.0" },
        { SmtpReplies.ReadyToStartTls.ToString(), 220, "2.0.0" },
        { SmtpReplies.TlsNotAvailable.ToString(), 454, "4.7.0" },
        { SmtpReplies.TooManyErrors("mx").ToString(), 421, "4.7.0" },
        { SmtpReplies.TooManyConnections("mx").ToString(), 421, "4.7.0" },
        { SmtpReplies.TooManyConnectionsFromClient("mx").ToString(), 421, "4.7.0" },
        { SmtpReplies.Bye("mx").ToString(), 221, "2.0.0" },
    };

    [Theory]
    [MemberData(nameof(ContractReplies))]
    public void Named_reply_has_the_contract_code(string text, int code, string? enhancedCode)
    {
        Assert.StartsWith(enhancedCode is null ? $"{code} " : $"{code} {enhancedCode} ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Greeting_reads_host_esmtp_banner()
    {
        Assert.Equal("220 mx.example ESMTP ChitBox SMTP Server", SmtpReplies.Greeting("mx.example", "ChitBox SMTP Server").ToString());
    }

    [Fact]
    public void Accepted_reply_is_250_2_0_0_and_the_id()
    {
        Assert.Equal("250 2.0.0 ABC123", SmtpReplies.Accepted("ABC123").ToString());
    }
}
