using System.Collections.Concurrent;
using System.Text;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace ScanGate.Tests.Infrastructure;

/// <summary>Grain storage that keeps every state as the bytes Orleans serialises it to, so a test can
/// search what would be at rest.</summary>
public sealed class RecordingGrainStorage(Serializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<string, byte[]> _states = new();

    public bool Contains(string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return _states.Values.Any(bytes => bytes.AsSpan().IndexOf(needle) >= 0);
    }

    public int Count => _states.Count;

    private static string Key(string stateName, GrainId id) => $"{stateName}/{id}";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_states.TryGetValue(Key(stateName, grainId), out var bytes))
        {
            grainState.State = serializer.Deserialize<T>(bytes);
            grainState.RecordExists = true;
            grainState.ETag = bytes.Length.ToString();
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _states[Key(stateName, grainId)] = serializer.SerializeToArray(grainState.State);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _states.TryRemove(Key(stateName, grainId), out _);
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
