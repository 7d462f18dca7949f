namespace ScanGate.WebConsole;

/// <summary>Bound from "ScanGate:Console".</summary>
public sealed class ConsoleOptions
{
    public const string Section = "ScanGate:Console";
    /// <summary>Minutes a session lives without use; each use starts the count again.</summary>
    public int SessionMinutes { get; set; } = 60;
}
