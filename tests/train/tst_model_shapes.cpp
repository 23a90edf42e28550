// The C++ model has exactly rfdetr's parameters: state-dict keys and shapes of small / medium / large with
// 90 and 3 classes equal state_dict_shapes.json (recorded from the Python reference), in the same order,
// and the parameter counts equal rfdetr's and the size table's. Models are constructed, never run.
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "base/config/model_sizes.h"
#include "train/model/model_weights.h"
#include "train/model/rfdetr.h"

#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;

class TestModelShapes : public QObject {
    Q_OBJECT

    nlohmann::json m_shapes;

private slots:
    void initTestCase() {
        std::ifstream in(std::string(STUDIO_TEST_DATA_DIR) + "/rfdetr/state_dict_shapes.json");
        QVERIFY(in.good());
        m_shapes = nlohmann::json::parse(in);
    }

    void matchesReference_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("numClasses");
        for (const char* s : {"small", "medium", "large"})
            for (int nc : {90, 3})
                QTest::newRow(qPrintable(QString("%1_nc%2").arg(s).arg(nc)))
                    << QString("%1_nc%2").arg(s).arg(nc) << int(*parseModelSize(s)) << nc;
    }

    void matchesReference() {
        QFETCH(QString, name);
        QFETCH(int, size);
        QFETCH(int, numClasses);
        const nlohmann::json& ref = m_shapes.at("models").at(name.toStdString());
        const auto modelSize = static_cast<ModelSize>(size);
        RFDetr model(ModelConfig::forSize(modelSize, numClasses + 1));  // rfdetr's num_classes + 1 logits
        const NamedTensors sd = modelStateDict(*model);

        std::map<std::string, std::vector<int64_t>> mine;
        for (const auto& [k, t] : sd) mine[k] = t.sizes().vec();
        QCOMPARE(int(sd.size()), ref.at("num_state_dict_entries").get<int>());
        int position = 0;
        for (const auto& entry : ref.at("state_dict")) {
            const std::string key = entry.at(0).get<std::string>();
            const auto shape = entry.at(1).get<std::vector<int64_t>>();
            auto it = mine.find(key);
            QVERIFY2(it != mine.end(), ("missing key " + key).c_str());
            QVERIFY2(it->second == shape, ("shape of " + key).c_str());
            // Same registration order as PyTorch, so written checkpoints list keys as rfdetr does.
            QCOMPARE(QString::fromStdString(sd[static_cast<size_t>(position++)].first), QString::fromStdString(key));
        }
        QCOMPARE(model->parameterCount(), ref.at("num_parameters").get<int64_t>());
        QCOMPARE(model->parameterCount(), trainableParameters(modelSize, numClasses + 1));
        QCOMPARE(int(ref.at("class_embed_out_features").get<int>()), numClasses + 1);

        const StateDictArchitecture a = inspectStateDict(sd);
        QVERIFY(a.size.has_value());
        QCOMPARE(int(*a.size), size);
        QCOMPARE(a.numClassLogits, numClasses + 1);
        QCOMPARE(a.queryRows, 3900);
        QCOMPARE(a.groups, 13);
        QCOMPARE(a.vitLayers, 12);
    }

    void nanoParameterCount() {
        RFDetr model(ModelConfig::forSize(ModelSize::Nano, 91));
        QCOMPARE(model->parameterCount(), int64_t(30467298));
        QCOMPARE(model->parameterCount(), trainableParameters(ModelSize::Nano, 91));
        QCOMPARE(int(modelStateDict(*model).size()), 465);
        QCOMPARE(int(*inspectStateDict(modelStateDict(*model)).size), int(ModelSize::Nano));
    }

    // The count the GUI shows for the configured model (queries, groups, the dataset's logits) is the
    // model's own.
    void parameterCountFollowsQueriesGroupsAndClasses() {
        struct Case {
            ModelSize size;
            int logits, queries, groups;
        };
        for (const Case c : {Case{ModelSize::Small, 4, 50, 13}, Case{ModelSize::Medium, 7, 100, 3},
                             Case{ModelSize::Large, 2, 300, 1}}) {
            ModelConfig mc = ModelConfig::forSize(c.size, c.logits);
            mc.numQueries = c.queries;
            mc.groupDetr = c.groups;
            RFDetr model(mc);
            QCOMPARE(model->parameterCount(), trainableParameters(c.size, c.logits, c.queries, c.groups));
        }
    }
};

QTEST_GUILESS_MAIN(TestModelShapes)
#include "tst_model_shapes.moc"
