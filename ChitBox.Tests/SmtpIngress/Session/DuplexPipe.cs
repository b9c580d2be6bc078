using System.IO.Pipelines;

namespace ChitBox.Tests.SmtpIngress.Session;

internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
