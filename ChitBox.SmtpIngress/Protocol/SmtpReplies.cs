namespace ChitBox.SmtpIngress.Protocol;

/// <summary>
/// Every reply the server sends, by name. The codes in CONTRACT.md section 2 are fixed;
/// the texts are free. No handler writes a reply by hand.
/// </summary>
public static class SmtpReplies
{
    // --- Connection ---------------------------------------------------------------

    /// <summary><c>220 &lt;host&gt; ESMTP &lt;banner&gt;</c>.</summary>
    public static SmtpReply Greeting(string hostName, string banner) => new(220, null, $"{hostName} ESMTP {banner}");

    /// <summary><c>221 2.0.0</c> after QUIT.</summary>
    public static SmtpReply Bye(string hostName) => new(221, "2.0.0", $"{hostName} closing connection");

    /// <summary><c>421 4.3.2</c>: the host is stopping.</summary>
    public static SmtpReply ShuttingDown(string hostName) => new(421, "4.3.2", $"{hostName} Service shutting down, closing connection");

    /// <summary><c>421 4.4.2</c>: the client was silent too long (or DATA took too long).</summary>
    public static SmtpReply IdleTimeout(string hostName) => new(421, "4.4.2", $"{hostName} Timeout exceeded, closing connection");

    /// <summary><c>421 4.7.0</c>: too many protocol errors in a row.</summary>
    public static SmtpReply TooManyErrors(string hostName) => new(421, "4.7.0", $"{hostName} Too many errors, closing connection");

    /// <summary><c>421 4.7.0</c>: the server's total connection limit is reached.</summary>
    public static SmtpReply TooManyConnections(string hostName) => new(421, "4.7.0", $"{hostName} Too many connections, try again later");

    /// <summary><c>421 4.7.0</c>: this client address has too many connections open.</summary>
    public static SmtpReply TooManyConnectionsFromClient(string hostName) =>
        new(421, "4.7.0", $"{hostName} Too many connections from your address, try again later");

    /// <summary><c>421 4.3.0</c>: the server hit an internal error and must drop the session.</summary>
    public static SmtpReply LocalError(string hostName) => new(421, "4.3.0", $"{hostName} Local error, closing connection");

    // --- EHLO / HELO ------------------------------------------------------------------

    /// <summary>The multi-line EHLO reply: greeting line, then one keyword per line (no enhanced codes, RFC 2034).</summary>
    public static SmtpReply Ehlo(string hostName, string clientName, IEnumerable<string> keywords) =>
        new(250, null, [$"{hostName} Hello {clientName}", .. keywords]);

    public static SmtpReply Helo(string hostName, string clientName) => new(250, null, $"{hostName} Hello {clientName}");

    // --- Positive ---------------------------------------------------------------------

    /// <summary><c>250 2.0.0 Ok</c> (RSET, NOOP).</summary>
    public static readonly SmtpReply Ok = new(250, "2.0.0", "Ok");

    /// <summary><c>250 2.1.0</c>: MAIL FROM accepted.</summary>
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Sender ok");

    /// <summary><c>250 2.1.5</c>: RCPT TO accepted (registered user in a local domain).</summary>
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Recipient ok");

    /// <summary><c>354</c>: send the data.</summary>
    public static readonly SmtpReply StartData = new(354, null, "End data with <CR><LF>.<CR><LF>");

    /// <summary><c>250 2.0.0 &lt;id&gt;</c>: the message is durably stored for every recipient.</summary>
    public static SmtpReply Accepted(string id) => new(250, "2.0.0", id);

    /// <summary><c>250 2.0.0</c>: a non-final BDAT chunk was received.</summary>
    public static SmtpReply ChunkReceived(long octets) => new(250, "2.0.0", $"{octets} octets received");

    /// <summary><c>252 2.5.0</c>: VRFY never reveals whether a user exists.</summary>
    public static readonly SmtpReply CannotVerify = new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");

    /// <summary><c>214 2.0.0</c>: HELP.</summary>
    public static readonly SmtpReply Help = new(
        214,
        "2.0.0",
        "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS",
        "See RFC 5321");

    /// <summary><c>220 2.0.0</c>: go ahead with the TLS handshake (RFC 3207).</summary>
    public static readonly SmtpReply ReadyToStartTls = new(220, "2.0.0", "Ready to start TLS");

    // --- Recipients ---------------------------------------------------------------------

    /// <summary><c>550 5.1.1</c>: a local domain, but no such user.</summary>
    public static readonly SmtpReply UnknownUser = new(550, "5.1.1", "Recipient address rejected: User unknown");

    /// <summary><c>550 5.7.1</c>: not a local domain; this server does not relay.</summary>
    public static readonly SmtpReply RelayDenied = new(550, "5.7.1", "Relay access denied");

    /// <summary><c>452 4.5.3</c>: more recipients than the limit; the client sends the rest later.</summary>
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Too many recipients");

    // --- Size ---------------------------------------------------------------------------

    /// <summary><c>552 5.3.4</c>: declared SIZE or actual message over the limit.</summary>
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed limit");

    // --- Sequence -------------------------------------------------------------------------

    /// <summary><c>503 5.5.1</c>: a command out of order.</summary>
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Bad sequence of commands");

    /// <summary><c>503 5.5.1</c>: MAIL before EHLO/HELO.</summary>
    public static readonly SmtpReply HeloFirst = new(503, "5.5.1", "Bad sequence of commands: send EHLO or HELO first");

    /// <summary><c>503 5.5.1</c>: RCPT before MAIL.</summary>
    public static readonly SmtpReply MailFirst = new(503, "5.5.1", "Bad sequence of commands: need MAIL command");

    /// <summary><c>503 5.5.1</c>: a second MAIL inside a transaction.</summary>
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Bad sequence of commands: sender already specified");

    /// <summary><c>503 5.5.1</c>: DATA or BDAT with no accepted recipient.</summary>
    public static readonly SmtpReply NoValidRecipients = new(503, "5.5.1", "Bad sequence of commands: no valid recipients");

    /// <summary><c>503 5.5.1</c>: DATA after BODY=BINARYMIME, or DATA mixed with BDAT (RFC 3030).</summary>
    public static readonly SmtpReply DataNotAllowed = new(503, "5.5.1", "Bad sequence of commands: use BDAT for this transaction");

    /// <summary><c>503 5.5.1</c>: STARTTLS when TLS is already active or inside a transaction.</summary>
    public static readonly SmtpReply TlsAlreadyActive = new(503, "5.5.1", "Bad sequence of commands: TLS already active");

    // --- Syntax ---------------------------------------------------------------------------

    /// <summary><c>500 5.5.2</c>: not a command this server knows.</summary>
    public static readonly SmtpReply UnknownCommand = new(500, "5.5.2", "Error: command not recognized");

    /// <summary><c>500 5.5.2</c>: a command line over the limit.</summary>
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Error: line too long");

    /// <summary>
    /// <c>554 5.6.0</c>, after the data: a text line over a limit the operator set. 554 is
    /// among the replies RFC 5321 4.3.2 allows there; 500 is not.
    /// </summary>
    public static readonly SmtpReply TextLineTooLong = new(554, "5.6.0", "Message has a line too long");

    /// <summary><c>501 5.5.4</c>: bad syntax or a bad parameter value.</summary>
    public static readonly SmtpReply SyntaxError = new(501, "5.5.4", "Syntax error in parameters or arguments");

    /// <summary><c>501 5.5.4</c> with a hint, e.g. <c>Syntax: MAIL FROM:&lt;address&gt;</c>.</summary>
    /// <summary>
    /// A BDAT whose size cannot be read: its chunk cannot be skipped, so the session must
    /// close after this reply, or the chunk's octets would be read as commands.
    /// </summary>
    public static readonly SmtpReply BdatSyntaxError = new(501, "5.5.4", "Syntax: BDAT size [LAST]; closing, the chunk cannot be skipped");

    public static SmtpReply SyntaxErrorWith(string detail) => new(501, "5.5.4", detail);

    /// <summary><c>555 5.5.4</c>: a MAIL or RCPT parameter this server does not support.</summary>
    public static readonly SmtpReply UnknownParameter = new(555, "5.5.4", "Unsupported parameter");

    // --- Temporary failures -------------------------------------------------------------------

    /// <summary><c>451 4.3.0</c>: storage or the database is unavailable; nothing was stored.</summary>
    public static readonly SmtpReply StorageUnavailable = new(451, "4.3.0", "Temporary failure, try again later");

    /// <summary><c>454 4.7.0</c>: STARTTLS without a configured certificate, or the handshake could not start.</summary>
    public static readonly SmtpReply TlsNotAvailable = new(454, "4.7.0", "TLS not available");
}
