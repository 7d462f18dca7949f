using Orleans.Concurrency;
using ScanGate.Contracts;

namespace ScanGate.Grains;

/// <summary>The calls that reach a scan from inside the engine only: admission grants it a slot, its runs report
/// progress and their end. Not part of the public contract, so no API or client can make them. Key: the scan id.</summary>
[Alias("scangate.IScanCallbacks")]
internal interface IScanCallbacks : IGrainWithStringKey
{
    /// <summary>Admission granted the scan a slot: it starts its runs.</summary>
    [OneWay, Alias("admitted")] Task Admitted();
    [OneWay, Alias("on-run-progress")] Task OnRunProgress(RunProgress progress);
    [Alias("on-run-finished")] Task OnRunFinished(RunOutcome outcome);
}
