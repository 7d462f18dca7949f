using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace ScanGate.Tests.Infrastructure;

/// <summary>
/// Grain storage that checks ETags as a database does (the ETag a write was sent with must still be the stored
/// one when it lands) and can hold the next write of a state on a gate, so a test can put another write in
/// between. Every refused write is counted: a grain with one writer never has one.
/// </summary>
public sealed class ConflictCheckingGrainStorage(Serializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, string ETag)> _states = new();
    private readonly ConcurrentDictionary<string, HeldWrite> _holds = new();
    private int _conflicts;

    public int Conflicts => Volatile.Read(ref _conflicts);

    public sealed class HeldWrite
    {
        public Gate Gate { get; } = new();
        internal TaskCompletionSource Landed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        /// <summary>Completes when the held write has been stored or refused.</summary>
        public Task Done => Landed.Task;
    }

    /// <summary>The next write of the named state waits on the returned hold's gate.</summary>
    public HeldWrite HoldNextWrite(string stateName) => _holds[stateName] = new HeldWrite();

    private static string Key(string stateName, GrainId id) => $"{stateName}/{id}";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_states.TryGetValue(Key(stateName, grainId), out var stored))
        {
            grainState.State = serializer.Deserialize<T>(stored.Bytes);
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // What a database gets: the state and the ETag as they are when the write is sent.
        var sentETag = grainState.ETag;
        var bytes = serializer.SerializeToArray(grainState.State);
        await Task.Yield();
        if (_holds.TryRemove(stateName, out var hold))
        {
            await hold.Gate.PassAsync();
            try { Store(stateName, grainId, grainState, sentETag, bytes); }
            finally { hold.Landed.TrySetResult(); }
        }
        else Store(stateName, grainId, grainState, sentETag, bytes);
    }

    private void Store<T>(string stateName, GrainId grainId, IGrainState<T> grainState, string? sentETag, byte[] bytes)
    {
        var key = Key(stateName, grainId);
        lock (_states)
        {
            var current = _states.TryGetValue(key, out var stored) ? stored.ETag : null;
            if (current != sentETag)
            {
                Interlocked.Increment(ref _conflicts);
                throw new InconsistentStateException($"write of {key} sent with ETag {sentETag ?? "(none)"}, but the stored one is {current ?? "(none)"}", current, sentETag);
            }
            var etag = Guid.NewGuid().ToString("N");
            _states[key] = (bytes, etag);
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _states.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
