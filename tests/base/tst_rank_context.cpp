// RankContext from CLI flags, torchrun and SLURM environments (ecosystem.md B.2.1).
#include <QtTest>

#include "base/dist/rank_context.h"

using namespace studio;

class TstRankContext : public QObject {
    Q_OBJECT
private slots:
    void singleProcessByDefault() {
        const auto r = resolveRankContext({});
        QVERIFY(r.problems.empty());
        QCOMPARE(r.context.source, LaunchSource::Single);
        QCOMPARE(r.context.worldSize, 1);
        QVERIFY(!r.context.distributed());
    }
    void torchrunVariables() {
        const EnvMap env = {{"RANK", "5"},           {"LOCAL_RANK", "1"},       {"WORLD_SIZE", "8"},
                            {"LOCAL_WORLD_SIZE", "4"}, {"GROUP_RANK", "1"},      {"MASTER_ADDR", "node0"},
                            {"MASTER_PORT", "29400"},  {"TORCHELASTIC_RUN_ID", "x"}, {"TORCHELASTIC_ERROR_FILE", "/tmp/e.json"}};
        const auto r = resolveRankContext(env);
        QVERIFY(r.problems.empty());
        const RankContext& c = r.context;
        QCOMPARE(c.source, LaunchSource::Torchrun);
        QCOMPARE(c.rank, 5);
        QCOMPARE(c.localRank, 1);
        QCOMPARE(c.worldSize, 8);
        QCOMPARE(c.localWorldSize, 4);
        QCOMPARE(c.nodeRank, 1);
        QCOMPARE(c.nnodes, 2);
        QCOMPARE(c.masterAddr, std::string("node0"));
        QCOMPARE(c.masterPort, 29400);
        QCOMPARE(c.errorFile, std::string("/tmp/e.json"));
    }
    void torchrunInconsistencies() {
        auto r = resolveRankContext({{"RANK", "4"}, {"WORLD_SIZE", "4"}});
        QVERIFY(!r.problems.empty());
        QCOMPARE(r.problems[0].field, std::string("RANK"));
        r = resolveRankContext({{"RANK", "x"}, {"WORLD_SIZE", "2"}});
        QCOMPARE(r.problems[0].field, std::string("RANK"));
        r = resolveRankContext({{"LOCAL_RANK", "0"}});
        QVERIFY(!r.problems.empty());  // RANK and WORLD_SIZE missing
        r = resolveRankContext({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "99999"}});
        QCOMPARE(r.problems[0].field, std::string("MASTER_PORT"));
    }
    void slurmVariables() {
        const EnvMap env = {{"SLURM_PROCID", "3"},   {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "3"},
                            {"SLURM_NODEID", "0"},   {"SLURM_NNODES", "2"}, {"SLURM_JOB_NODELIST", "gpu[05-09,12]"},
                            {"SLURM_JOB_ID", "1234567"}, {"SLURM_JOB_NAME", "train"}};
        const auto r = resolveRankContext(env);
        QVERIFY(r.problems.empty());
        const RankContext& c = r.context;
        QCOMPARE(c.source, LaunchSource::Slurm);
        QCOMPARE(c.rank, 3);
        QCOMPARE(c.worldSize, 8);
        QCOMPARE(c.localWorldSize, 4);
        QCOMPARE(c.masterAddr, std::string("gpu05"));
        QCOMPARE(c.masterPort, 15000 + 4567);
    }
    void slurmInteractiveJobsAreIgnored() {
        const auto r = resolveRankContext({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"SLURM_JOB_NAME", "bash"}});
        QCOMPARE(r.context.source, LaunchSource::Single);
    }
    void slurmNodeListForms() {
        QCOMPARE(slurmFirstHost("host[5-9]"), std::string("host5"));
        QCOMPARE(slurmFirstHost("a,b,c"), std::string("a"));
        QCOMPARE(slurmFirstHost("n1 n2"), std::string("n1"));
        QCOMPARE(slurmFirstHost("gpu[012,015],cpu3"), std::string("gpu012"));
        QCOMPARE(slurmFirstHost("single"), std::string("single"));
    }
    void cliFlagsWin() {
        RankOverrides o;
        o.rank = 1;
        o.worldSize = 2;
        o.masterPort = 12345;
        const auto r = resolveRankContext({{"RANK", "0"}, {"WORLD_SIZE", "4"}, {"MASTER_PORT", "1"}}, o);
        QCOMPARE(r.context.source, LaunchSource::Cli);
        QCOMPARE(r.context.rank, 1);
        QCOMPARE(r.context.worldSize, 2);
        QCOMPARE(r.context.masterPort, 12345);
    }
    void workerEnvironmentFollowsTorchrun() {
        RankContext launcher;
        launcher.masterAddr = "127.0.0.1";
        launcher.masterPort = 4242;
        const EnvMap env = workerEnvironment(launcher, 2, 4);
        QCOMPARE(env.at("RANK"), std::string("2"));
        QCOMPARE(env.at("LOCAL_RANK"), std::string("2"));
        QCOMPARE(env.at("WORLD_SIZE"), std::string("4"));
        QCOMPARE(env.at("LOCAL_WORLD_SIZE"), std::string("4"));
        QCOMPARE(env.at("MASTER_PORT"), std::string("4242"));
        // And it resolves back to the same rank.
        const auto r = resolveRankContext(env);
        QVERIFY(r.problems.empty());
        QCOMPARE(r.context.rank, 2);
        QCOMPARE(r.context.worldSize, 4);
    }
};

QTEST_GUILESS_MAIN(TstRankContext)
#include "tst_rank_context.moc"
