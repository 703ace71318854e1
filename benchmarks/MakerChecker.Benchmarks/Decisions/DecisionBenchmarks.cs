using BenchmarkDotNet.Attributes;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;

namespace MakerChecker.Benchmarks.Decisions;

/// <summary>Decision evaluation alone (no audit write) on a policy of 100 roles × 50 skills.</summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private CompiledPolicy _policy = null!;

    [GlobalSetup]
    public void Setup() => _policy = BenchmarkPolicy.Build();

    [Benchmark(Baseline = true)]
    public DecisionOutcome Allowed() => Evaluate(BenchmarkPolicy.AllowedSkill);

    [Benchmark]
    public DecisionOutcome RefusedNotGranted() => Evaluate(BenchmarkPolicy.NotGrantedSkill);

    [Benchmark]
    public DecisionOutcome Gated() => Evaluate(BenchmarkPolicy.GatedSkill);

    private DecisionOutcome Evaluate(string skill)
    {
        _policy.TryGetPrincipal(BenchmarkPolicy.Actor, out var principal);
        return DecisionEvaluator.Evaluate(_policy, BenchmarkPolicy.Actor, principal, skill).Outcome;
    }
}
