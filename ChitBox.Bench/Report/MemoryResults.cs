namespace ChitBox.Bench.Report;

/// <summary>RSS growth of the ingress for <see cref="Connections"/> connections that said EHLO and then nothing.</summary>
public sealed record IdleConnectionsResult(int Connections, int Opened, double RssBeforeMb, double RssAfterMb, double KilobytesPerConnection);

/// <summary>One large message: how far the ingress's peak RSS rose above its RSS before it.</summary>
public sealed record BigMessageResult(long SizeBytes, bool Accepted, string Reply, double Seconds, double RssBeforeMb, double PeakRssMb, double PeakRiseMb);
