using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

namespace ChitBox.SmtpIngress.Protocol;

/// <summary>
/// Parses one command line (without its CRLF) into a <see cref="SmtpCommand"/> or the
/// error reply to send. Pure: no I/O, no state, never throws on client input.
/// </summary>
/// <remarks>
/// Tolerant where Postfix is: verbs in any case, spaces around the arguments, a space
/// after <c>FROM:</c>/<c>TO:</c>, a path without angle brackets, source routes (ignored),
/// UTF-8 addresses with or without the SMTPUTF8 parameter. Strict where it matters:
/// control characters and invalid UTF-8 are syntax errors, parameters are checked.
/// </remarks>
public static class SmtpCommandParser
{
    private const int StackBufferSize = 512;

    private static readonly SearchValues<char> AtextSymbols = SearchValues.Create("!#$%&'*+-/=?^_`{|}~");

    public static SmtpParseResult Parse(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            return Parse(line.FirstSpan);
        }

        if (line.Length > int.MaxValue / 2)
        {
            return SmtpReplies.LineTooLong;
        }

        var length = (int)line.Length;
        byte[]? rented = null;
        Span<byte> buffer = length <= StackBufferSize
            ? stackalloc byte[StackBufferSize]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line.CopyTo(buffer);
            return Parse(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static SmtpParseResult Parse(ReadOnlySpan<byte> line)
    {
        line = line.TrimStart((byte)' ');
        var separator = line.IndexOfAny((byte)' ', (byte)'\t');
        var verb = separator < 0 ? line : line[..separator];
        var rest = separator < 0 ? [] : line[(separator + 1)..];

        // The verb decides between 500 (unknown) and 501 (known, bad arguments).
        var kind = Identify(verb);
        if (kind == Verb.Unknown)
        {
            return SmtpReplies.UnknownCommand;
        }

        foreach (var b in rest)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return SmtpReplies.SyntaxErrorWith("Syntax error: control character in command");
            }
        }

        if (!Utf8.IsValid(rest))
        {
            return SmtpReplies.SyntaxErrorWith("Syntax error: invalid UTF-8");
        }

        var args = Encoding.UTF8.GetString(rest).Trim(' ', '\t');
        return kind switch
        {
            Verb.Ehlo => FirstToken(args) is { } ehlo ? new EhloCommand(ehlo) : SmtpReplies.SyntaxErrorWith("Syntax: EHLO hostname"),
            Verb.Helo => FirstToken(args) is { } helo ? new HeloCommand(helo) : SmtpReplies.SyntaxErrorWith("Syntax: HELO hostname"),
            Verb.Mail => ParseMail(args),
            Verb.Rcpt => ParseRcpt(args),
            Verb.Data => args.Length == 0 ? DataCommand.Instance : SmtpReplies.SyntaxErrorWith("Syntax: DATA"),
            Verb.Bdat => ParseBdat(args),
            Verb.Rset => args.Length == 0 ? RsetCommand.Instance : SmtpReplies.SyntaxErrorWith("Syntax: RSET"),
            Verb.Noop => NoopCommand.Instance,
            Verb.Quit => QuitCommand.Instance,
            Verb.Vrfy => args.Length > 0 ? new VrfyCommand(args) : SmtpReplies.SyntaxErrorWith("Syntax: VRFY address"),
            Verb.Help => new HelpCommand(args.Length > 0 ? args : null),
            Verb.StartTls => args.Length == 0 ? StartTlsCommand.Instance : SmtpReplies.SyntaxErrorWith("Syntax: STARTTLS"),
            _ => SmtpReplies.UnknownCommand,
        };
    }

    private enum Verb
    {
        Unknown,
        Ehlo,
        Helo,
        Mail,
        Rcpt,
        Data,
        Bdat,
        Rset,
        Noop,
        Quit,
        Vrfy,
        Help,
        StartTls,
    }

    private static Verb Identify(ReadOnlySpan<byte> verb) => verb.Length switch
    {
        4 when Ascii.EqualsIgnoreCase(verb, "EHLO"u8) => Verb.Ehlo,
        4 when Ascii.EqualsIgnoreCase(verb, "HELO"u8) => Verb.Helo,
        4 when Ascii.EqualsIgnoreCase(verb, "MAIL"u8) => Verb.Mail,
        4 when Ascii.EqualsIgnoreCase(verb, "RCPT"u8) => Verb.Rcpt,
        4 when Ascii.EqualsIgnoreCase(verb, "DATA"u8) => Verb.Data,
        4 when Ascii.EqualsIgnoreCase(verb, "BDAT"u8) => Verb.Bdat,
        4 when Ascii.EqualsIgnoreCase(verb, "RSET"u8) => Verb.Rset,
        4 when Ascii.EqualsIgnoreCase(verb, "NOOP"u8) => Verb.Noop,
        4 when Ascii.EqualsIgnoreCase(verb, "QUIT"u8) => Verb.Quit,
        4 when Ascii.EqualsIgnoreCase(verb, "VRFY"u8) => Verb.Vrfy,
        4 when Ascii.EqualsIgnoreCase(verb, "HELP"u8) => Verb.Help,
        8 when Ascii.EqualsIgnoreCase(verb, "STARTTLS"u8) => Verb.StartTls,
        _ => Verb.Unknown,
    };

    private static string? FirstToken(string args)
    {
        if (args.Length == 0)
        {
            return null;
        }

        var end = args.AsSpan().IndexOfAny(' ', '\t');
        return end < 0 ? args : args[..end];
    }

    // MAIL FROM:<reverse-path> [SP Mail-parameters]   (RFC 5321 4.1.1.2)
    private static SmtpParseResult ParseMail(string args)
    {
        var usage = SmtpReplies.SyntaxErrorWith("Syntax: MAIL FROM:<address>");
        if (!args.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase))
        {
            return usage;
        }

        var pos = SkipBlanks(args, 5);
        if (!TryParsePath(args, ref pos, isReversePath: true, out var reversePath))
        {
            return usage;
        }

        if (!TrySplitParameters(args, pos, out var parameters))
        {
            return usage;
        }

        long? size = null;
        MailBodyType? body = null;
        var smtpUtf8 = false;
        foreach (var (keyword, value) in parameters)
        {
            if (keyword.Equals("SIZE", StringComparison.OrdinalIgnoreCase))
            {
                if (size is not null || !TryParseSize(value, out var declared))
                {
                    return SmtpReplies.SyntaxErrorWith("Bad SIZE parameter");
                }

                size = declared;
            }
            else if (keyword.Equals("BODY", StringComparison.OrdinalIgnoreCase))
            {
                if (body is not null)
                {
                    return SmtpReplies.SyntaxErrorWith("Bad BODY parameter");
                }

                body = value?.ToUpperInvariant() switch
                {
                    "7BIT" => MailBodyType.SevenBit,
                    "8BITMIME" => MailBodyType.EightBitMime,
                    "BINARYMIME" => MailBodyType.BinaryMime,
                    _ => null,
                };
                if (body is null)
                {
                    return SmtpReplies.SyntaxErrorWith("Bad BODY parameter");
                }
            }
            else if (keyword.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase))
            {
                if (smtpUtf8 || value is not null)
                {
                    return SmtpReplies.SyntaxErrorWith("Bad SMTPUTF8 parameter");
                }

                smtpUtf8 = true;
            }
            else
            {
                return SmtpReplies.UnknownParameter;
            }
        }

        return new MailCommand(reversePath, size, body ?? MailBodyType.SevenBit, smtpUtf8);
    }

    // RCPT TO:<forward-path> [SP Rcpt-parameters]   (RFC 5321 4.1.1.3)
    private static SmtpParseResult ParseRcpt(string args)
    {
        var usage = SmtpReplies.SyntaxErrorWith("Syntax: RCPT TO:<address>");
        if (!args.StartsWith("TO:", StringComparison.OrdinalIgnoreCase))
        {
            return usage;
        }

        var pos = SkipBlanks(args, 3);
        if (!TryParsePath(args, ref pos, isReversePath: false, out var forwardPath))
        {
            return usage;
        }

        if (!TrySplitParameters(args, pos, out var parameters))
        {
            return usage;
        }

        // No RCPT extension (DSN, ORCPT…) is advertised.
        return parameters.Count == 0 ? new RcptCommand(forwardPath) : SmtpReplies.UnknownParameter;
    }

    // BDAT SP chunk-size [SP end-marker]   (RFC 3030)
    private static SmtpParseResult ParseBdat(string args)
    {
        var usage = SmtpReplies.BdatSyntaxError;
        var tokens = args.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length is < 1 or > 2 || !IsDigits(tokens[0], 20) || !long.TryParse(tokens[0], out var size))
        {
            return usage;
        }

        if (tokens.Length == 2 && !tokens[1].Equals("LAST", StringComparison.OrdinalIgnoreCase))
        {
            return usage;
        }

        return new BdatCommand(size, tokens.Length == 2);
    }

    private static int SkipBlanks(string s, int pos)
    {
        while (pos < s.Length && s[pos] is ' ' or '\t')
        {
            pos++;
        }

        return pos;
    }

    /// <summary>
    /// Path = "&lt;" [ A-d-l ":" ] Mailbox "&gt;"; Reverse-path also allows "&lt;&gt;".
    /// A bare mailbox without brackets is tolerated.
    /// </summary>
    private static bool TryParsePath(string s, ref int pos, bool isReversePath, out string mailbox)
    {
        mailbox = string.Empty;
        if (pos >= s.Length)
        {
            return false;
        }

        if (s[pos] != '<')
        {
            var end = s.AsSpan(pos).IndexOfAny(' ', '\t');
            var bare = end < 0 ? s[pos..] : s.Substring(pos, end);
            pos += bare.Length;
            return TryParseMailbox(bare, allowBarePostmaster: !isReversePath, out mailbox);
        }

        var close = FindClosingBracket(s, pos + 1);
        if (close < 0)
        {
            return false;
        }

        var inner = s[(pos + 1)..close];
        pos = close + 1;
        if (inner.Length == 0)
        {
            return isReversePath;
        }

        if (inner[0] == '@')
        {
            // A source route (RFC 5321 4.1.2, Appendix C): checked, then ignored.
            var colon = inner.IndexOf(':');
            if (colon < 0)
            {
                return false;
            }

            foreach (var hop in inner[..colon].Split(','))
            {
                if (hop.Length < 2 || hop[0] != '@' || !IsDomain(hop[1..]))
                {
                    return false;
                }
            }

            inner = inner[(colon + 1)..];
        }

        return TryParseMailbox(inner, allowBarePostmaster: !isReversePath, out mailbox);
    }

    private static int FindClosingBracket(string s, int start)
    {
        var quoted = false;
        for (var i = start; i < s.Length; i++)
        {
            var c = s[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '>')
            {
                return i;
            }
            else if (c == '<')
            {
                return -1;
            }
        }

        return -1;
    }

    /// <summary>Mailbox = Local-part "@" ( Domain / address-literal ).</summary>
    private static bool TryParseMailbox(string s, bool allowBarePostmaster, out string mailbox)
    {
        mailbox = s;
        if (allowBarePostmaster && s.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 5321 4.1.1.3: "Postmaster" without a domain must be accepted.
            return true;
        }

        int at;
        if (s.Length > 0 && s[0] == '"')
        {
            // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
            var i = 1;
            for (; i < s.Length && s[i] != '"'; i++)
            {
                if (s[i] == '\\')
                {
                    i++;
                    if (i >= s.Length || s[i] < ' ' || s[i] == 0x7F)
                    {
                        return false;
                    }
                }
                else if (s[i] < ' ' || s[i] == 0x7F)
                {
                    return false;
                }
            }

            at = i + 1;
            if (at >= s.Length || s[at] != '@')
            {
                return false;
            }
        }
        else
        {
            // Dot-string. Consecutive or edge dots occur in real mail; tolerated like Postfix.
            at = s.LastIndexOf('@');
            if (at <= 0)
            {
                return false;
            }

            foreach (var c in s.AsSpan(0, at))
            {
                if (!IsAtext(c) && c != '.')
                {
                    return false;
                }
            }
        }

        return IsDomainOrLiteral(s[(at + 1)..]);
    }

    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || AtextSymbols.Contains(c) || c >= 0x80;

    private static bool IsDomainOrLiteral(string domain)
    {
        if (domain.Length >= 2 && domain[0] == '[' && domain[^1] == ']')
        {
            return IsAddressLiteral(domain[1..^1]);
        }

        return IsDomain(domain);
    }

    /// <summary>sub-domain *("." sub-domain), letters, digits, hyphens; U-labels (RFC 6531) and underscores tolerated.</summary>
    private static bool IsDomain(string domain)
    {
        if (domain.Length is 0 or > 255)
        {
            return false;
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length == 0)
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_' && c < 0x80)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>IPv4, "IPv6:" address, or General-address-literal (RFC 5321 4.1.3).</summary>
    private static bool IsAddressLiteral(string literal)
    {
        if (literal.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.TryParse(literal[5..], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var colon = literal.IndexOf(':');
        if (colon >= 0)
        {
            var tag = literal[..colon];
            var content = literal[(colon + 1)..];
            return tag.Length > 0
                && tag.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                && content.Length > 0
                && content.All(c => c is >= (char)33 and <= (char)90 or >= (char)94 and <= (char)126);
        }

        var parts = literal.Split('.');
        return parts.Length == 4
            && parts.All(p => IsDigits(p, 3))
            && IPAddress.TryParse(literal, out var v4)
            && v4.AddressFamily == AddressFamily.InterNetwork;
    }

    /// <summary>Splits <c>SP keyword[=value]</c> parameters; false on malformed syntax.</summary>
    private static bool TrySplitParameters(string s, int pos, out List<(string Keyword, string? Value)> parameters)
    {
        parameters = [];
        if (pos < s.Length && s[pos] is not (' ' or '\t'))
        {
            return false;
        }

        foreach (var token in s[pos..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            var keyword = eq < 0 ? token : token[..eq];
            var value = eq < 0 ? null : token[(eq + 1)..];

            // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
            if (keyword.Length == 0
                || !char.IsAsciiLetterOrDigit(keyword[0])
                || !keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }

            // esmtp-value = 1*(%d33-60 / %d62-126), UTF-8 tolerated
            if (value is not null && (value.Length == 0 || value.Any(c => c is < (char)33 or '=' or (char)127)))
            {
                return false;
            }

            parameters.Add((keyword, value));
        }

        return true;
    }

    /// <summary>size-value = 1*20DIGIT (RFC 1870); a value beyond <see cref="long.MaxValue"/> is simply too big.</summary>
    private static bool TryParseSize(string? value, out long size)
    {
        size = 0;
        if (value is null || !IsDigits(value, 20))
        {
            return false;
        }

        if (!long.TryParse(value, out size))
        {
            size = long.MaxValue;
        }

        return true;
    }

    private static bool IsDigits(string s, int maxLength) =>
        s.Length > 0 && s.Length <= maxLength && s.All(char.IsAsciiDigit);
}
