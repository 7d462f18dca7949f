using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ScanGate.Contracts;
using ScanGate.Runtime;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Grains;

/// <summary>Answers for this silo's engine: one activation per silo, its answer kept for <see cref="CacheFor"/>,
/// so a busy scan-types page costs the engine one image inspection per scanner every half minute.</summary>
[StatelessWorker(1)]
public sealed class ScannerAvailabilityGrain(
    ScanCatalog catalog,
    IContainerRuntime runtime,
    IOptions<ScannerRunOptions> options,
    ILogger<ScannerAvailabilityGrain> logger) : Grain, IScannerAvailabilityGrain
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private (DateTimeOffset At, IReadOnlyDictionary<string, bool> Answer)? _cached;

    public async Task<IReadOnlyDictionary<string, bool>> Get()
    {
        if (_cached is { } c && DateTimeOffset.UtcNow - c.At < CacheFor) return c.Answer;
        var engineUp = await runtime.IsAvailableAsync();
        var answer = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var scanner in catalog.Scanners)
            answer[scanner.Name] = scanner switch
            {
                IInProcessScanner => true,
                IContainerScanner container when engineUp => await HasImageAsync(options.Value.ImageFor(container.Name, container.DefaultImage)),
                _ => false,
            };
        _cached = (DateTimeOffset.UtcNow, answer);
        return answer;
    }

    private async Task<bool> HasImageAsync(string image)
    {
        try { return await runtime.HasImageAsync(image); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "Could not inspect image {Image}", image);
            return false;
        }
    }
}
