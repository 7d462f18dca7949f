namespace ScanGate.Cli;

/// <summary>What the process's exit code means; CI jobs branch on these, so they never change meaning.</summary>
public static class ExitCodes
{
    public const int GatePassed = 0;
    public const int GateFailed = 1;
    /// <summary>The scan failed, was stopped or cancelled, or did not finish in time.</summary>
    public const int ScanDidNotComplete = 2;
    public const int Usage = 3;
    public const int AuthRefused = 4;
    public const int Unreachable = 5;

    public const string Help = """
        Exit codes:
          0  the gate passed (or the command succeeded)
          1  the gate failed
          2  the scan failed, was stopped or cancelled, or timed out
          3  usage or configuration error (a bad flag, no URL or key, a request the API refused as invalid)
          4  authentication or permission refused (401, 403)
          5  ScanGate unreachable after retries
        130  interrupted (Ctrl-C) with the scan left running
        """;
}

/// <summary>A failure that ends the command with <see cref="ExitCode"/> and a one-line message on stderr.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
