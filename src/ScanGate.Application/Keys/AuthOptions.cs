namespace ScanGate.Application;

/// <summary>Bound from "ScanGate:Auth".</summary>
public sealed class AuthOptions
{
    public const string Section = "ScanGate:Auth";
    /// <summary>The platform administrator's key for a new deployment ("sgk_…"); when empty, one is made and logged once.</summary>
    public string? BootstrapKey { get; set; }
    public string BootstrapEmail { get; set; } = "admin@localhost";
    public int DefaultKeyExpiryDays { get; set; } = 90;
    public int MaxKeyExpiryDays { get; set; } = 365;
    public int DefaultRateLimitPerMinute { get; set; } = 600;
    /// <summary>Seconds an API node trusts a key's last answer from its grain (0: ask the grain every time).</summary>
    public int CacheSeconds { get; set; } = 5;
}
