// `rfdetr-train validate-dataset` through its function: exit codes, text and JSON output, usage
// errors.
#include <QTemporaryDir>
#include <QtTest>

#include <sstream>

#include <nlohmann/json.hpp>

#include "base/coco/validate_dataset_cli.h"
#include "coco_test_files.h"

using namespace studio;

class TstValidateDatasetCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

    std::string dataset(bool broken) {
        const std::string root = m_tmp.filePath(broken ? "broken" : "good").toStdString();
        for (const char* split : {"train", "valid", "test"}) {
            const std::string dir = root + "/" + split;
            std::string anns =
                R"([{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 30, 10], "area": 300, "iscrowd": 0}])";
            if (broken && std::string(split) == "valid")
                anns =
                    R"([{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, -30, 10], "area": 300, "iscrowd": 0}])";
            coco_test::writeText(
                dir + "/_annotations.coco.json",
                R"({"images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}], "annotations": )" +
                    anns +
                    R"(, "categories": [{"id": 0, "name": "forms", "supercategory": "none"}, {"id": 1, "name": "Text", "supercategory": "forms"}]})");
            coco_test::writePngHeader(dir + "/a.png", 64, 48);
        }
        return root;
    }
    int run(const std::vector<std::string>& args, std::string* out, std::string* err) {
        std::ostringstream o, e;
        const int code = runValidateDatasetCli(args, o, e);
        *out = o.str();
        *err = e.str();
        return code;
    }

  private slots:
    void goodDatasetExitsZeroWithSummary() {
        std::string out, err;
        QCOMPARE(run({dataset(false)}, &out, &err), 0);
        QVERIFY2(out.find("Classes (1): Text (id 1)") != std::string::npos, out.c_str());
        QVERIFY2(out.find("train") != std::string::npos && out.find("OK.") != std::string::npos,
                 out.c_str());
        QVERIFY2(err.find("checking train images: 1/1") != std::string::npos, err.c_str());
        QCOMPARE(run({dataset(false), "--quiet"}, &out, &err), 0);
        QVERIFY(err.empty());
    }

    void brokenDatasetExitsOneAndNamesTheProblem() {
        std::string out, err;
        QCOMPARE(run({dataset(true), "--quiet"}, &out, &err), 1);
        QVERIFY2(out.find("error: ") != std::string::npos, out.c_str());
        QVERIFY2(out.find("valid/_annotations.coco.json: annotation id 1") != std::string::npos,
                 out.c_str());
        QVERIFY2(out.find("FAILED: 1 error(s)") != std::string::npos, out.c_str());
    }

    void jsonOutput() {
        std::string out, err;
        QCOMPARE(
            run({dataset(true), "--json", "--no-image-check", "--num-queries", "100", "--quiet"},
                &out, &err),
            1);
        const auto j = nlohmann::json::parse(out);
        QCOMPARE(j["ok"].get<bool>(), false);
        QCOMPARE(j["errors"].get<int>(), 1);
        QCOMPARE(j["problems"][0]["severity"].get<std::string>(), std::string("error"));
        QVERIFY(j["problems"][0]["field"].get<std::string>().find("annotation id 1") !=
                std::string::npos);
        QCOMPARE(j["classes"]["num_logits"].get<int>(), 2);
        QCOMPARE(j["splits"][1]["name"].get<std::string>(), std::string("valid"));
        QCOMPARE(j["splits"][1]["image_files"]["checked"].get<bool>(), false);
    }

    void usageErrorsExitTwo() {
        std::string out, err;
        QCOMPARE(run({}, &out, &err), 2);
        QVERIFY2(err.find("DIR: is missing") != std::string::npos, err.c_str());
        QCOMPARE(run({"a", "b"}, &out, &err), 2);
        QCOMPARE(run({"a", "--num-queries", "zero"}, &out, &err), 2);
        QVERIFY2(err.find("--num-queries='zero'") != std::string::npos, err.c_str());
        QCOMPARE(run({"a", "--bogus"}, &out, &err), 2);
        QCOMPARE(run({"--help"}, &out, &err), 0);
        QVERIFY(out.find("Usage: rfdetr-train validate-dataset DIR") != std::string::npos);
    }

    void missingFolderIsAnErrorNotACrash() {
        std::string out, err;
        QCOMPARE(run({m_tmp.filePath("nope").toStdString(), "--quiet"}, &out, &err), 1);
        QVERIFY2(out.find("does not exist") != std::string::npos, out.c_str());
    }
};

QTEST_GUILESS_MAIN(TstValidateDatasetCli)
#include "tst_validate_dataset_cli.moc"
