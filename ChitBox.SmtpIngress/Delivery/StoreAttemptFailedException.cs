using Npgsql;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>A transient database failure during one attempt to store, and whether COMMIT had been sent.</summary>
internal sealed class StoreAttemptFailedException(NpgsqlConnection connection, bool commitSent, NpgsqlException inner)
    : NpgsqlException(inner.Message, inner)
{
    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>When true the outcome is unknown, so the attempt must not be repeated.</summary>
    public bool CommitSent { get; } = commitSent;
}
