namespace ChitBox.Bench.Measure;

/// <summary>Nearest-rank percentiles over every recorded value (cells are small enough to keep them all).</summary>
public sealed class Percentiles
{
    private readonly double[] _sorted;

    public Percentiles(IEnumerable<double> values)
    {
        _sorted = values.ToArray();
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;

    /// <summary>Null when nothing was recorded.</summary>
    public double? At(double percentile)
    {
        if (_sorted.Length == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }
}
