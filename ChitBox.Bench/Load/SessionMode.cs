namespace ChitBox.Bench.Load;

public enum SessionMode
{
    /// <summary>Many messages per connection, as an MTA with a busy queue sends.</summary>
    Reuse,

    /// <summary>Connect, EHLO, one message, QUIT: a connection per message.</summary>
    PerConnection,
}
