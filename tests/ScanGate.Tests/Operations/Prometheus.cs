using System.Globalization;
using System.Text.RegularExpressions;

namespace ScanGate.Tests.Operations;

/// <summary>One scrape of a Prometheus text exposition, read line by line: series with their labels and values.</summary>
public sealed partial class PrometheusScrape(string text)
{
    public sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public string Text { get; } = text;

    public IReadOnlyList<Series> All { get; } = text.Split('\n')
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(Parse).OfType<Series>().ToList();

    /// <summary>Metric families the scrape declares (# TYPE lines).</summary>
    public IReadOnlySet<string> Families { get; } = text.Split('\n')
        .Where(l => l.StartsWith("# TYPE ")).Select(l => l.Split(' ')[2]).ToHashSet();

    /// <summary>The sum of every series of <paramref name="name"/> whose labels include <paramref name="labels"/>; null when there is none.</summary>
    public double? Sum(string name, params (string Key, string Value)[] labels)
    {
        var matching = All.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }

    private static Series? Parse(string line)
    {
        var match = SeriesLine().Match(line);
        if (!match.Success) return null;
        var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value));
        var value = match.Groups["value"].Value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            var v => double.Parse(v, CultureInfo.InvariantCulture),
        };
        return new Series(match.Groups["name"].Value, labels, value);
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
