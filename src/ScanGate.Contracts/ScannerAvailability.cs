namespace ScanGate.Contracts;

/// <summary>Which scanners can run on the silo that answers: in-process scanners always, container scanners when
/// the silo's engine answers and holds their image. A stateless worker (key 0): an API node asks it instead of
/// touching Docker itself, and a silo answers for its own engine.</summary>
[Alias("scangate.IScannerAvailabilityGrain")]
public interface IScannerAvailabilityGrain : IGrainWithIntegerKey
{
    /// <summary>Scanner name → whether it can run here now (cached briefly by the answering silo).</summary>
    [Alias("get")] Task<IReadOnlyDictionary<string, bool>> Get();
}
