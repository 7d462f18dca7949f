namespace ScanGate.Contracts;

/// <summary>The time ScanGate's own rules (key expiry, quotas) read; tests move it forward.</summary>
public class Clock
{
    public virtual DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
}
