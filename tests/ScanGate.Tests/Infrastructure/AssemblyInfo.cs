// Scanner containers share one engine and loopback ports: test classes run one after another.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
