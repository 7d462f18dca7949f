namespace ScanGate.Contracts;

/// <summary>Scan lifecycle: queued → running ⇄ paused → completed | failed | stopped | cancelled.</summary>
public enum ScanStatus { Queued, Running, Paused, Completed, Failed, Stopped, Cancelled }

/// <summary>One scanner run's lifecycle, mirrored from its container. Skipped: a default scanner that never started
/// because its image is not on the silo's engine (its error says so).</summary>
public enum RunStatus { Pending, Running, Paused, Completed, Failed, Stopped, Cancelled, Skipped }

/// <summary>Where a scanner run is in its work, in the order a run passes through them.</summary>
public enum RunPhase { Queued, Pulling, Starting, Running, Parsing, Done }

/// <summary>Severities, ordered so that a larger value is worse.</summary>
public enum Severity { Info = 0, Low = 1, Medium = 2, High = 3, Critical = 4 }

/// <summary>What a scan type's target must be.</summary>
public enum TargetKind
{
    /// <summary>A host name, IPv4/IPv6 address or CIDR range, optionally with a port list.</summary>
    Host,
    /// <summary>A TLS endpoint: host[:port] or an https URL.</summary>
    TlsEndpoint,
    /// <summary>An http or https URL.</summary>
    Url,
    /// <summary>A Git repository reachable over https:// or git://.</summary>
    GitRepository,
    /// <summary>A container image reference: [registry[:port]/]name[:tag][@sha256:digest].</summary>
    ContainerImage,
}

public static class StatusWords
{
    public static bool IsTerminal(this ScanStatus s) =>
        s is ScanStatus.Completed or ScanStatus.Failed or ScanStatus.Stopped or ScanStatus.Cancelled;

    public static bool IsTerminal(this RunStatus s) =>
        s is RunStatus.Completed or RunStatus.Failed or RunStatus.Stopped or RunStatus.Cancelled or RunStatus.Skipped;

    /// <summary>The word the API uses for a value (lower-case, snake_case).</summary>
    public static string Word<T>(this T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>The value whose API word is <paramref name="word"/>, if any.</summary>
    public static T? ParseWord<T>(string? word) where T : struct, Enum =>
        word is null ? null : Enum.GetValues<T>().Where(v => v.Word() == word).Select(v => (T?)v).FirstOrDefault();

    public static string Words<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(v => v.Word()));

    public static bool TryParseSeverity(string? word, out Severity severity)
    {
        severity = default;
        return word is not null
            && Enum.TryParse(word, ignoreCase: true, out severity)
            && Enum.IsDefined(severity)
            && !int.TryParse(word, out _);
    }
}
