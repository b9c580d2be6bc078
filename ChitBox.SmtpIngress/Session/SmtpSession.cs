using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.SmtpIngress.Protocol;
using ChitBox.SmtpIngress.Transport;
using Microsoft.Extensions.Logging;

namespace ChitBox.SmtpIngress.Session;

/// <summary>
/// Runs one SMTP conversation over an <see cref="IDuplexPipe"/>: reads command lines, executes
/// parsed commands against the state table below, streams DATA/BDAT into a spool, and hands the
/// finished message to <see cref="IMessageDelivery"/>. No sockets: tests drive it over pipes.
/// </summary>
/// <remarks>
/// <code>
/// command      Greeted    Ready       MailFrom    RcptTo          Chunking
/// EHLO/HELO    Ready      Ready       Ready*      Ready*          Ready*       * drops the transaction
/// MAIL         503        MailFrom    503         503             503
/// RCPT         503        503         RcptTo†     RcptTo          503          † stays MailFrom if refused
/// DATA         503        503         503         (data) Ready    503
/// BDAT         503‡       503‡        503‡        Chunking/Ready  Chunking/Ready (LAST → Ready) ‡ data still read
/// RSET         Greeted    Ready       Ready       Ready           Ready
/// STARTTLS     503        Greeted§    503         503             503          § after the handshake; 454 without TLS
/// NOOP VRFY HELP  unchanged;  QUIT  221 and close
/// </code>
/// Replies to pipelined commands are written in order and flushed together when no complete
/// command is left in the input buffer, before delivery, or when a turn is used up
/// (<see cref="TurnBudget"/>). Errors without progress (5xx to commands; a MAIL, an accepted
/// RCPT or a stored message starts the count again) up to <see cref="SmtpOptions.MaxErrors"/>
/// give 421 4.7.0 and close.
/// When <c>stoppingToken</c> fires, a session between transactions gets 421 4.3.2 at once; one
/// with a transaction in flight has <see cref="SmtpOptions.ShutdownGracePeriod"/> to finish.
/// </remarks>
public sealed class SmtpSession
{
    private const int DecodeSliceSize = 64 * 1024;

    /// <summary>
    /// What one turn on a thread may handle, in octets, each command counting <see cref="CommandCost"/>
    /// more: then the session flushes its replies and lets the thread's other work run. Socket
    /// completions run inline on a few event threads, so a client that pipelines or streams
    /// without pause would otherwise keep its thread from every other connection on it, and its
    /// replies (EHLO's are 20 times the command) would pile up in memory unsent.
    /// </summary>
    internal const int TurnBudget = 128 * 1024;

    internal const int CommandCost = 1024;

    private readonly string _sessionId;
    private readonly EndPoint? _remoteEndPoint;
    private readonly SmtpOptions _options;
    private readonly IRecipientDirectory _directory;
    private readonly IMessageDelivery _delivery;
    private readonly SmtpTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly ISmtpTlsUpgrader? _tls;
    private readonly TimeProvider _time;
    private readonly List<AcceptedRecipient> _recipients = [];
    private readonly HashSet<Guid> _recipientUsers = [];
    private int _acceptedRcptCommands;
    private readonly CancellationTokenSource _abort;
    private readonly ITimer _timer;

    private IDuplexPipe _transport;
    private SmtpSessionState _state = SmtpSessionState.Greeted;
    private InputMode _mode = InputMode.Commands;
    private string? _clientName;
    private bool _isTls;
    private MailCommand? _mail;
    private MessageSpool? _spool;
    private SmtpDataReader? _dataReader;
    private long _bdatRemaining;
    private bool _bdatLast;
    private SmtpReply? _bdatRefusal;
    private DateTimeOffset? _dataDeadline;
    private long _graceDeadlineTicks = DateTimeOffset.MaxValue.UtcTicks;
    private int _errors;
    private long _turnCost;
    private bool _spoolFailed;
    private bool _unflushed;
    private bool _outputClosed;
    private volatile bool _timerFired;
    private CancellationToken _stopping;
    private Activity? _sessionActivity;
    private Activity? _messageActivity;

    // Made at the first DATA and sized by use (at most one slice): an idle connection holds none.
    private ArrayBufferWriter<byte>? _decoded;

    public SmtpSession(
        string sessionId,
        EndPoint? remoteEndPoint,
        IDuplexPipe transport,
        SmtpOptions options,
        IRecipientDirectory directory,
        IMessageDelivery delivery,
        SmtpTelemetry telemetry,
        ILogger logger,
        ISmtpTlsUpgrader? tls = null,
        TimeProvider? timeProvider = null)
    {
        _sessionId = sessionId;
        _remoteEndPoint = remoteEndPoint;
        _transport = transport;
        _options = options;
        _directory = directory;
        _delivery = delivery;
        _telemetry = telemetry;
        _logger = logger;
        _tls = tls;
        _time = timeProvider ?? TimeProvider.System;
        _abort = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        _timer = _time.CreateTimer(static s => ((SmtpSession)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private enum InputMode
    {
        Commands,
        SkipLine,
        Data,
        Bdat,
    }

    private enum Next
    {
        Continue,
        Close,
        StartTls,
        Yield,
    }

    public SmtpSessionState State => _state;

    public bool IsTls => _isTls;

    private DateTimeOffset GraceDeadline => new(Interlocked.Read(ref _graceDeadlineTicks), TimeSpan.Zero);

    private bool InTransaction =>
        _state is SmtpSessionState.MailFrom or SmtpSessionState.RcptTo or SmtpSessionState.Chunking
        || _mode is InputMode.Data or InputMode.Bdat;

    /// <summary>
    /// Greets the client and serves it until QUIT, disconnect, timeout, too many errors or shutdown.
    /// </summary>
    /// <param name="stoppingToken">Graceful stop: see the remarks on <see cref="SmtpSession"/>.</param>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        using var stopping = stoppingToken.UnsafeRegister(static s => ((SmtpSession)s!).OnStopping(), this);
        using var activity = SmtpTelemetry.ActivitySource.StartActivity("smtp.session", ActivityKind.Server);
        _sessionActivity = activity;
        activity?.SetTag("smtp.session.id", _sessionId);
        if (_remoteEndPoint is IPEndPoint ip)
        {
            activity?.SetTag("network.peer.address", ip.Address.ToString());
            activity?.SetTag("network.peer.port", ip.Port);
        }

        SmtpSessionLog.SessionStarted(_logger, _remoteEndPoint?.ToString());
        var reason = "client closed the connection";
        try
        {
            var greeting = SmtpReplies.Greeting(_options.HostName, _options.Banner);
            Reply(greeting);
            AddEvent("smtp.connect", greeting);
            reason = await ServeAsync();
        }
        catch (IOException)
        {
            // Includes Kestrel's ConnectionResetException: the client vanished.
            reason = "connection reset";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            reason = "internal error";
            SmtpSessionLog.UnexpectedError(_logger, ex);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await TryCloseWithAsync(SmtpReplies.LocalError(_options.HostName));
        }
        catch (OperationCanceledException)
        {
            reason = "aborted";
            if (_stopping.IsCancellationRequested)
            {
                // The grace period ran out under the session's feet: still say why it closes.
                await TryCloseWithAsync(SmtpReplies.ShuttingDown(_options.HostName));
            }
        }
        finally
        {
            await _timer.DisposeAsync();
            await ResetTransactionAsync();
            _messageActivity?.Dispose();
            activity?.SetTag("smtp.close.reason", reason);
            SmtpSessionLog.SessionEnded(_logger, reason);
            await _transport.Output.CompleteAsync();
            await _transport.Input.CompleteAsync();
            _abort.Dispose();
        }
    }

    private async Task<string> ServeAsync()
    {
        while (true)
        {
            if (_stopping.IsCancellationRequested && !InTransaction)
            {
                SmtpSessionLog.ShuttingDown(_logger);
                await CloseWithAsync(SmtpReplies.ShuttingDown(_options.HostName));
                return "server stopping";
            }

            await FlushAsync();
            if (_outputClosed)
            {
                return "client stopped reading";
            }

            var input = _transport.Input;
            _timerFired = false;
            _timer.Change(ReadTimeout(), Timeout.InfiniteTimeSpan);
            var result = await input.ReadAsync(_abort.Token);
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

            if (result.IsCanceled)
            {
                input.AdvanceTo(result.Buffer.Start);
                if (InterruptionReply() is { } interruption)
                {
                    await CloseWithAsync(interruption.Reply);
                    return interruption.Reason;
                }

                continue;
            }

            var buffer = result.Buffer;
            var (consumed, next) = await ProcessAsync(buffer);
            switch (next)
            {
                case Next.Close:
                    input.AdvanceTo(consumed, buffer.End);
                    await FlushAsync();
                    return "closed by the server";

                case Next.StartTls:
                    // RFC 3207 section 4.2: nothing sent before the handshake may be used after it.
                    var discarded = buffer.Slice(consumed).Length;
                    if (discarded > 0)
                    {
                        SmtpSessionLog.DiscardedAfterStartTls(_logger, discarded);
                    }

                    input.AdvanceTo(buffer.End);
                    if (!await StartTlsAsync())
                    {
                        return "TLS handshake failed";
                    }

                    continue;

                case Next.Yield:
                    // The rest of the buffer is read again at once, after the thread's other work.
                    input.AdvanceTo(consumed);
                    await FlushAsync();
                    _turnCost = 0;
                    await Task.Yield();
                    continue;
            }

            input.AdvanceTo(consumed, buffer.End);
            if (result.IsCompleted)
            {
                return InTransaction ? "client closed the connection mid-transaction" : "client closed the connection";
            }
        }
    }

    /// <summary>After a cancelled read: the reply to close with, or null to go on reading.</summary>
    private (SmtpReply Reply, string Reason)? InterruptionReply()
    {
        // When stopping, the read timer is the grace period (or shorter): its firing means time is up.
        var now = _time.GetUtcNow();
        if (_stopping.IsCancellationRequested && (!InTransaction || _timerFired || now >= GraceDeadline))
        {
            SmtpSessionLog.ShuttingDown(_logger);
            return (SmtpReplies.ShuttingDown(_options.HostName), "server stopping");
        }

        if (_timerFired)
        {
            SmtpSessionLog.TimedOut(_logger);
            return (SmtpReplies.IdleTimeout(_options.HostName), "timeout");
        }

        return null;
    }

    private TimeSpan ReadTimeout()
    {
        var now = _time.GetUtcNow();
        var timeout = _options.IdleTimeout;
        if (_dataDeadline is { } data && data - now < timeout)
        {
            timeout = data - now;
        }

        if (_stopping.IsCancellationRequested && GraceDeadline - now < timeout)
        {
            timeout = GraceDeadline - now;
        }

        return timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout;
    }

    private void OnTimer()
    {
        _timerFired = true;
        Volatile.Read(ref _transport).Input.CancelPendingRead();
    }

    private void OnStopping()
    {
        Interlocked.Exchange(ref _graceDeadlineTicks, (_time.GetUtcNow() + _options.ShutdownGracePeriod).UtcTicks);

        // Work still running when the grace period ends (delivery, lookups) is cancelled.
        _abort.CancelAfter(_options.ShutdownGracePeriod + TimeSpan.FromSeconds(1));
        Volatile.Read(ref _transport).Input.CancelPendingRead();
    }

    /// <summary>Consumes as much of the buffer as possible; returns where it stopped and what to do next.</summary>
    private async ValueTask<(SequencePosition Consumed, Next Next)> ProcessAsync(ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_turnCost >= TurnBudget)
            {
                return (buffer.Start, Next.Yield);
            }

            var unread = buffer.Length;
            var isCommand = _mode == InputMode.Commands;
            switch (_mode)
            {
                case InputMode.Commands:
                {
                    var lf = buffer.PositionOf((byte)'\n');
                    if (lf is null)
                    {
                        if (buffer.Length < _options.MaxCommandLineLength)
                        {
                            return (buffer.Start, Next.Continue);
                        }

                        // Too long already; answer now and drop the rest of the line when it comes.
                        _mode = InputMode.SkipLine;
                        var tooLong = ReplyError(SmtpReplies.LineTooLong);
                        return (buffer.End, tooLong);
                    }

                    var line = buffer.Slice(0, lf.Value);
                    buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
                    Next next;
                    if (line.Length + 1 > _options.MaxCommandLineLength)
                    {
                        next = ReplyError(SmtpReplies.LineTooLong);
                    }
                    else
                    {
                        if (!line.IsEmpty && EndsWithCarriageReturn(line))
                        {
                            line = line.Slice(0, line.Length - 1);
                        }

                        next = await ExecuteAsync(SmtpCommandParser.Parse(line));
                    }

                    if (next != Next.Continue)
                    {
                        return (buffer.Start, next);
                    }

                    break;
                }

                case InputMode.SkipLine:
                {
                    var lf = buffer.PositionOf((byte)'\n');
                    if (lf is null)
                    {
                        buffer = buffer.Slice(buffer.End);
                        break;
                    }

                    buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
                    _mode = InputMode.Commands;
                    break;
                }

                case InputMode.Data:
                {
                    var reader = _dataReader!;
                    var decoded = _decoded ??= new ArrayBufferWriter<byte>();
                    var slice = buffer.Slice(0, Math.Min(buffer.Length, DecodeSliceSize));
                    var position = reader.Read(slice, decoded);
                    if (decoded.WrittenCount > 0)
                    {
                        if (!reader.IsTooBig)
                        {
                            await SpoolAsync(decoded.WrittenMemory);
                        }

                        decoded.ResetWrittenCount();
                    }

                    buffer = buffer.Slice(position);
                    if (reader.IsComplete)
                    {
                        _mode = InputMode.Commands;
                        var refusal = reader.IsTooBig ? SmtpReplies.MessageTooBig
                            : reader.HasLineTooLong ? SmtpReplies.TextLineTooLong
                            : _spoolFailed ? SmtpReplies.StorageUnavailable
                            : null;
                        var reason = reader.IsTooBig ? SmtpTelemetry.RejectedForSize
                            : reader.HasLineTooLong ? SmtpTelemetry.RejectedForLineLength
                            : SmtpTelemetry.RejectedForStorage;
                        await FinishMessageAsync(refusal, reason, reader.Length);
                    }

                    break;
                }

                case InputMode.Bdat:
                {
                    var take = Math.Min(_bdatRemaining, Math.Min(buffer.Length, DecodeSliceSize));
                    if (_bdatRefusal is null)
                    {
                        foreach (var segment in buffer.Slice(0, take))
                        {
                            await SpoolAsync(segment);
                        }
                    }

                    _bdatRemaining -= take;
                    buffer = buffer.Slice(take);
                    if (_bdatRemaining == 0)
                    {
                        _mode = InputMode.Commands;
                        var next = await FinishChunkAsync();
                        if (next != Next.Continue)
                        {
                            return (buffer.Start, next);
                        }
                    }

                    break;
                }
            }

            _turnCost += unread - buffer.Length + (isCommand ? CommandCost : 0);
        }

        return (buffer.Start, Next.Continue);
    }

    private static bool EndsWithCarriageReturn(in ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }

    /// <summary>The state table: may <paramref name="command"/> run in <paramref name="state"/>?</summary>
    private static bool IsAllowed(SmtpSessionState state, SmtpCommand command) => command switch
    {
        EhloCommand or HeloCommand or RsetCommand or NoopCommand or VrfyCommand or HelpCommand or QuitCommand => true,
        MailCommand => state == SmtpSessionState.Ready,
        RcptCommand => state is SmtpSessionState.MailFrom or SmtpSessionState.RcptTo,
        DataCommand => state == SmtpSessionState.RcptTo,
        BdatCommand => state is SmtpSessionState.RcptTo or SmtpSessionState.Chunking,
        StartTlsCommand => state == SmtpSessionState.Ready,
        _ => false,
    };

    /// <summary>The 503 that explains why <paramref name="command"/> is out of order.</summary>
    private static SmtpReply OutOfOrder(SmtpSessionState state, SmtpCommand command) => (command, state) switch
    {
        (MailCommand or RcptCommand or DataCommand or BdatCommand, SmtpSessionState.Greeted) => SmtpReplies.HeloFirst,
        (MailCommand, _) => SmtpReplies.NestedMail,
        (RcptCommand, SmtpSessionState.Chunking) => SmtpReplies.BadSequence,
        (RcptCommand, _) => SmtpReplies.MailFirst,
        (DataCommand, SmtpSessionState.Chunking) => SmtpReplies.DataNotAllowed,
        (DataCommand or BdatCommand, SmtpSessionState.MailFrom) => SmtpReplies.NoValidRecipients,
        (DataCommand or BdatCommand, _) => SmtpReplies.MailFirst,
        (StartTlsCommand, _) when state != SmtpSessionState.Greeted => SmtpReplies.BadSequence,
        _ => SmtpReplies.HeloFirst,
    };

    private async ValueTask<Next> ExecuteAsync(SmtpParseResult parsed)
    {
        if (!parsed.IsSuccess)
        {
            if (parsed.Error == SmtpReplies.BdatSyntaxError)
            {
                await CloseWithAsync(parsed.Error);
                return Next.Close;
            }

            return ReplyError(parsed.Error);
        }

        var command = parsed.Command;
        SmtpSessionLog.CommandReceived(_logger, command.Verb);
        if (!IsAllowed(_state, command))
        {
            if (command is BdatCommand refused)
            {
                // The chunk's octets follow whatever we answer; read and drop them (RFC 3030).
                return await BeginChunkAsync(refused, OutOfOrder(_state, command));
            }

            return ReplyError(OutOfOrder(_state, command));
        }

        switch (command)
        {
            case EhloCommand ehlo:
                await ResetTransactionAsync();
                _clientName = ehlo.ClientName;
                _state = SmtpSessionState.Ready;
                Reply(SmtpReplies.Ehlo(_options.HostName, ehlo.ClientName, EhloKeywords()));
                return Next.Continue;

            case HeloCommand helo:
                await ResetTransactionAsync();
                _clientName = helo.ClientName;
                _state = SmtpSessionState.Ready;
                Reply(SmtpReplies.Helo(_options.HostName, helo.ClientName));
                return Next.Continue;

            case MailCommand mail:
                if (mail.Size > _options.MaxMessageSize)
                {
                    _telemetry.MessageRejected(SmtpTelemetry.RejectedForSize);
                    Reply(SmtpReplies.MessageTooBig);
                    AddEvent("smtp.mail_from", SmtpReplies.MessageTooBig);
                    return Next.Continue;
                }

                _mail = mail;
                _state = SmtpSessionState.MailFrom;
                _errors = 0;
                Reply(SmtpReplies.SenderOk);
                AddEvent("smtp.mail_from", SmtpReplies.SenderOk);
                return Next.Continue;

            case RcptCommand rcpt:
                return await RecipientAsync(rcpt);

            case DataCommand:
                if (_mail!.Body == MailBodyType.BinaryMime)
                {
                    return ReplyError(SmtpReplies.DataNotAllowed);
                }

                BeginMessage();
                _dataReader = new SmtpDataReader(_options.MaxMessageSize, _options.MaxTextLineLength);
                _mode = InputMode.Data;
                Reply(SmtpReplies.StartData);
                AddEvent("smtp.data", SmtpReplies.StartData);
                return Next.Continue;

            case BdatCommand bdat:
                if (_spool is null)
                {
                    BeginMessage();
                    _state = SmtpSessionState.Chunking;
                }

                var tooBig = bdat.Size > _options.MaxMessageSize - _spool!.Length;
                return await BeginChunkAsync(bdat, tooBig ? SmtpReplies.MessageTooBig : null);

            case RsetCommand:
                await ResetTransactionAsync();
                Reply(SmtpReplies.Ok);
                return Next.Continue;

            case NoopCommand:
                Reply(SmtpReplies.Ok);
                return Next.Continue;

            case VrfyCommand:
                Reply(SmtpReplies.CannotVerify);
                return Next.Continue;

            case HelpCommand:
                Reply(SmtpReplies.Help);
                return Next.Continue;

            case QuitCommand:
                Reply(SmtpReplies.Bye(_options.HostName));
                return Next.Close;

            case StartTlsCommand:
                if (_isTls)
                {
                    return ReplyError(SmtpReplies.TlsAlreadyActive);
                }

                if (_tls is not { IsAvailable: true })
                {
                    Reply(SmtpReplies.TlsNotAvailable);
                    return Next.Continue;
                }

                Reply(SmtpReplies.ReadyToStartTls);
                return Next.StartTls;

            default:
                return ReplyError(SmtpReplies.UnknownCommand);
        }
    }

    private IEnumerable<string> EhloKeywords()
    {
        yield return "PIPELINING";
        yield return $"SIZE {_options.MaxMessageSize}";
        yield return "8BITMIME";
        yield return "BINARYMIME";
        yield return "CHUNKING";
        yield return "SMTPUTF8";
        yield return "ENHANCEDSTATUSCODES";
        if (!_isTls && _tls is { IsAvailable: true })
        {
            yield return "STARTTLS";
        }
    }

    private async ValueTask<Next> RecipientAsync(RcptCommand rcpt)
    {
        // Counts RCPT commands accepted, not users: naming one user 101 times is 101 recipients.
        if (_acceptedRcptCommands >= _options.MaxRecipients)
        {
            Reply(SmtpReplies.TooManyRecipients);
            AddEvent("smtp.rcpt_to", SmtpReplies.TooManyRecipients);
            return Next.Continue;
        }

        RecipientCheck check;
        try
        {
            check = await _directory.CheckAsync(rcpt.ForwardPath, _abort.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            SmtpSessionLog.RecipientLookupFailed(_logger, ex);
            Reply(SmtpReplies.StorageUnavailable);
            AddEvent("smtp.rcpt_to", SmtpReplies.StorageUnavailable);
            return Next.Continue;
        }

        SmtpSessionLog.RecipientChecked(_logger, rcpt.ForwardPath, check.Status.ToString());
        var reply = check.Status switch
        {
            RecipientStatus.Accepted => SmtpReplies.RecipientOk,
            RecipientStatus.UnknownUser => SmtpReplies.UnknownUser,
            _ => SmtpReplies.RelayDenied,
        };
        AddEvent("smtp.rcpt_to", reply);
        if (check.Status != RecipientStatus.Accepted)
        {
            return ReplyError(reply);
        }

        // One copy per user, however many of their addresses are named.
        _acceptedRcptCommands++;
        if (_recipientUsers.Add(check.UserId))
        {
            _recipients.Add(new AcceptedRecipient(rcpt.ForwardPath, check.UserId));
        }

        _state = SmtpSessionState.RcptTo;
        _errors = 0;
        Reply(reply);
        return Next.Continue;
    }

    /// <summary>Starts the spool and the message span, at DATA or the first BDAT.</summary>
    private void BeginMessage()
    {
        _spool = new MessageSpool(_options.SpoolMemoryThreshold, string.IsNullOrEmpty(_options.SpoolDirectory) ? null : _options.SpoolDirectory);
        _dataDeadline = _time.GetUtcNow() + _options.DataTimeout;
        _messageActivity = SmtpTelemetry.ActivitySource.StartActivity(
            "smtp.message", ActivityKind.Internal, _sessionActivity?.Context ?? default);
        _messageActivity?.SetTag("smtp.recipient.count", _recipients.Count);
    }

    /// <param name="refusal">Null to keep the chunk; otherwise the reply once its octets are read.</param>
    private async ValueTask<Next> BeginChunkAsync(BdatCommand bdat, SmtpReply? refusal)
    {
        _bdatRemaining = bdat.Size;
        _bdatLast = bdat.Last;
        _bdatRefusal = refusal;
        if (bdat.Size > 0)
        {
            _mode = InputMode.Bdat;
            return Next.Continue;
        }

        return await FinishChunkAsync();
    }

    private async ValueTask<Next> FinishChunkAsync()
    {
        var refusal = _bdatRefusal;
        _bdatRefusal = null;
        if (refusal == SmtpReplies.MessageTooBig)
        {
            await FinishMessageAsync(refusal, SmtpTelemetry.RejectedForSize, _spool?.Length ?? 0);
            return Next.Continue;
        }

        if (refusal is not null)
        {
            return ReplyError(refusal);
        }

        if (_spoolFailed)
        {
            // The rest of the message has nowhere to go: end the transaction now.
            await FinishMessageAsync(SmtpReplies.StorageUnavailable, SmtpTelemetry.RejectedForStorage, _spool?.Length ?? 0);
            return Next.Continue;
        }

        if (_bdatLast)
        {
            await FinishMessageAsync(null, null, _spool!.Length);
            return Next.Continue;
        }

        Reply(SmtpReplies.ChunkReceived(_spool!.Length));
        return Next.Continue;
    }

    /// <summary>
    /// Writes message bytes to the spool. A spool that fails (a full disk) must not look like
    /// a dropped connection: the data goes on being read and the message is answered 451.
    /// </summary>
    private async ValueTask SpoolAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_spoolFailed)
        {
            return;
        }

        try
        {
            await _spool!.WriteAsync(bytes, _abort.Token);
        }
        catch (IOException ex)
        {
            SmtpSessionLog.SpoolFailed(_logger, ex);
            _spoolFailed = true;
        }
    }

    /// <summary>Ends the transaction: refuses it, or delivers it and answers 250 / 451.</summary>
    private async ValueTask FinishMessageAsync(SmtpReply? refusal, string? reason, long size)
    {
        var activity = _messageActivity;
        activity?.SetTag("smtp.message.size", size);
        try
        {
            if (refusal is not null)
            {
                SmtpSessionLog.MessageRefused(_logger, refusal.Code, reason!, size);
                _telemetry.MessageRejected(reason!);
                Reply(refusal);
                return;
            }

            var spool = _spool!;
            try
            {
                await spool.CompleteAsync(_abort.Token);
            }
            catch (IOException ex)
            {
                SmtpSessionLog.SpoolFailed(_logger, ex);
                _telemetry.MessageRejected(SmtpTelemetry.RejectedForStorage);
                Reply(SmtpReplies.StorageUnavailable);
                return;
            }

            var endOfData = _time.GetTimestamp();
            var message = new IncomingMessage(
                _sessionId,
                _remoteEndPoint,
                _clientName ?? string.Empty,
                _isTls,
                _mail!.SmtpUtf8,
                _mail.ReversePath,
                [.. _recipients],
                spool,
                _time.GetUtcNow());

            // Everything answered so far goes out before the possibly slow commit.
            await FlushAsync();
            var previous = Activity.Current;
            Activity.Current = activity ?? previous;
            try
            {
                var id = await _delivery.DeliverAsync(message, _abort.Token);
                var accepted = SmtpReplies.Accepted(id);
                _telemetry.MessageAccepted(size, _time.GetElapsedTime(endOfData));
                SmtpSessionLog.MessageAccepted(_logger, id, size, _recipients.Count);
                activity?.SetTag("smtp.message.id", id);
                _errors = 0;
                Reply(accepted);
            }
            catch (Exception ex)
            {
                // DeliveryUnavailableException or anything else: nothing is stored, the client retries.
                SmtpSessionLog.DeliveryFailed(_logger, ex);
                _telemetry.MessageRejected(SmtpTelemetry.RejectedForStorage);
                activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                Reply(SmtpReplies.StorageUnavailable);
            }
            finally
            {
                Activity.Current = previous;
            }
        }
        finally
        {
            await ResetTransactionAsync();
        }
    }

    private async ValueTask<bool> StartTlsAsync()
    {
        await FlushAsync();
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
            handshake.CancelAfter(_options.IdleTimeout);
            var secured = await _tls!.UpgradeAsync(_transport, handshake.Token);
            Volatile.Write(ref _transport, secured);
        }
        catch (Exception ex)
        {
            SmtpSessionLog.TlsFailed(_logger, ex);
            _outputClosed = true;
            return false;
        }

        // RFC 3207 section 4.2: the session starts over, as after the greeting.
        _isTls = true;
        _clientName = null;
        _state = SmtpSessionState.Greeted;
        _sessionActivity?.SetTag("tls", true);
        SmtpSessionLog.TlsStarted(_logger);
        return true;
    }

    /// <summary>Drops the transaction (MAIL, recipients, spool); keeps EHLO.</summary>
    private async ValueTask ResetTransactionAsync()
    {
        _mail = null;
        _recipients.Clear();
        _recipientUsers.Clear();
        _acceptedRcptCommands = 0;
        _spoolFailed = false;
        _dataReader = null;
        _dataDeadline = null;
        _bdatRefusal = null;
        if (_mode is InputMode.Data or InputMode.Bdat)
        {
            _mode = InputMode.Commands;
        }

        if (_spool is not null)
        {
            await _spool.DisposeAsync();
            _spool = null;
        }

        _messageActivity?.Dispose();
        _messageActivity = null;
        if (_state != SmtpSessionState.Greeted)
        {
            _state = SmtpSessionState.Ready;
        }
    }

    private void Reply(SmtpReply reply)
    {
        if (_outputClosed)
        {
            return;
        }

        reply.WriteTo(_transport.Output);
        _unflushed = true;
        SmtpSessionLog.ReplySent(_logger, reply.Code, reply.EnhancedCode);
    }

    /// <summary>Sends an error that counts towards <see cref="SmtpOptions.MaxErrors"/>.</summary>
    private Next ReplyError(SmtpReply reply)
    {
        Reply(reply);
        if (++_errors < _options.MaxErrors)
        {
            return Next.Continue;
        }

        SmtpSessionLog.TooManyErrors(_logger, _errors);
        Reply(SmtpReplies.TooManyErrors(_options.HostName));
        return Next.Close;
    }

    private async ValueTask FlushAsync()
    {
        if (!_unflushed || _outputClosed)
        {
            return;
        }

        _unflushed = false;
        var flush = _transport.Output.FlushAsync(_abort.Token);
        FlushResult result;
        if (flush.IsCompleted)
        {
            result = await flush;
        }
        else
        {
            // A client that stops reading gets the idle timeout, as one that stops writing does.
            try
            {
                result = await flush.AsTask().WaitAsync(_options.IdleTimeout, _time, _abort.Token);
            }
            catch (TimeoutException)
            {
                SmtpSessionLog.TimedOut(_logger);
                _transport.Output.CancelPendingFlush();
                _outputClosed = true;
                return;
            }
        }

        if (result.IsCompleted || result.IsCanceled)
        {
            _outputClosed = true;
        }
    }

    private async ValueTask CloseWithAsync(SmtpReply reply)
    {
        Reply(reply);
        AddEvent("smtp.close", reply);
        await FlushAsync();
    }

    private async ValueTask TryCloseWithAsync(SmtpReply reply)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
            Reply(reply);
            await _transport.Output.FlushAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection is already gone.
        }
    }

    private void AddEvent(string name, SmtpReply? reply)
    {
        if (_sessionActivity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        var tagList = new ActivityTagsCollection();
        if (reply is not null)
        {
            tagList["smtp.reply.code"] = reply.Code;
            if (reply.EnhancedCode is not null)
            {
                tagList["smtp.reply.enhanced_code"] = reply.EnhancedCode;
            }
        }

        activity.AddEvent(new ActivityEvent(name, tags: tagList));
    }
}
