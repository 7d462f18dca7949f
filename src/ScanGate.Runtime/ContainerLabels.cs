namespace ScanGate.Runtime;

/// <summary>Container labels: how ScanGate finds its own containers on an engine.</summary>
public static class ContainerLabels
{
    public const string Scan = "scangate.scan";
    public const string Scanner = "scangate.scanner";
    public const string Org = "scangate.org";
    public const string Run = "scangate.run";
    public const string Cluster = "scangate.cluster";
    /// <summary>The silo whose run started the container (what capacity checks and operators look at).</summary>
    public const string Silo = "scangate.silo";
}
