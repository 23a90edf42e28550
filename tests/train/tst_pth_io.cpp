// .pth reading and writing without Python: the pickle VM on a checkpoint laid out like rfdetr's
// (OrderedDict state dicts, argparse.Namespace args, optimizer and scheduler state, shared storages,
// odd dtypes), round trips, Python's torch.load reading what we write, and clear errors for bad files.
#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>

#include "train/io/pickle_reader.h"
#include "train/io/pickle_writer.h"
#include "train/io/pth_file.h"
#include "train/io/state_dict.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio::train;
namespace fs = std::filesystem;

namespace {

std::string dataPath(const std::string& rel) { return std::string(STUDIO_TEST_DATA_DIR) + "/" + rel; }

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    out << data;
}

struct PythonRun {
    bool haveTorch = false;  // some interpreter could import torch
    int exitCode = -1;
    QString output;
};

// Runs `script` with the first interpreter that has torch: STUDIO_PYTHON, Debian's /usr/bin/python3, then
// python3 on PATH.
PythonRun runPythonWithTorch(const QString& script, const QStringList& args) {
    QStringList candidates;
    if (qEnvironmentVariableIsSet("STUDIO_PYTHON")) candidates << qEnvironmentVariable("STUDIO_PYTHON");
    candidates << "/usr/bin/python3" << "python3";
    for (const QString& py : candidates) {
        QProcess p;
        p.start(py, QStringList{"-c", script} + args);
        if (!p.waitForFinished(120000)) continue;
        PythonRun r{true, p.exitCode(),
                    QString::fromUtf8(p.readAllStandardOutput()) + QString::fromUtf8(p.readAllStandardError())};
        if (p.exitStatus() == QProcess::NormalExit && !r.output.contains("No module named 'torch'")) return r;
    }
    return {};
}

std::string pthError(const std::string& path) {
    try {
        readPth(path);
    } catch (const PthError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

class TestPthIo : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::string tmp(const std::string& name) const { return m_tmp.filePath(QString::fromStdString(name)).toStdString(); }

private slots:
    void readsRfdetrLayout() {
        PthFile f = readPth(dataPath("pth/rfdetr_like.pth"));
        const PyValue& root = f.root;
        QVERIFY(root.isDict());
        QVERIFY(f.unknownClasses.empty());  // Namespace is a known attribute bag; nothing else is unknown
        QCOMPARE(root.at("epoch").asInt(), int64_t(11));

        const PyValue& model = root.at("model");
        QCOMPARE(QString::fromStdString(model.typeName()), QString("collections.OrderedDict"));
        NamedTensors sd = stateDictFromValue(model, "model");
        QCOMPARE(int(sd.size()), 3);
        QCOMPARE(QString::fromStdString(sd[0].first), QString("class_embed.weight"));
        QVERIFY(at::equal(sd[0].second, at::arange(12, at::kFloat).reshape({3, 4}) / 8));
        QCOMPARE(sd[1].second[0].item<float>(), -4.59512f);
        QVERIFY(model.dictRef().state.find("_metadata") != nullptr);  // OrderedDict BUILD state kept
        QVERIFY(at::equal(root.at("ema_model").at("class_embed.bias").asTensor(), sd[1].second * 2));

        const PyValue& args = root.at("args");
        QCOMPARE(QString::fromStdString(args.typeName()), QString("argparse.Namespace"));
        QCOMPARE(args.at("num_classes").asInt(), int64_t(3));
        QCOMPARE(args.at("lr").asFloat(), 1e-4);
        QCOMPARE(args.at("amp").asBool(), true);
        QVERIFY(args.at("pretrain_weights").isNone());
        QCOMPARE(args.at("class_names").size(), size_t(3));
        QCOMPARE(QString::fromStdString(args.at("class_names").items()[2].asString()), QString("signature"));
        QCOMPARE(args.at("big").asInt(), int64_t(1) << 40);
        QCOMPARE(args.at("neg").asInt(), int64_t(-7));
        QCOMPARE(QString::fromStdString(args.at("unicode_name").asString()), QString::fromUtf8("Formulär ✓"));
        QVERIFY(args.at("extra").at("nested").items()[1].isTuple());
        QCOMPARE(args.at("np_float").asFloat(), 0.25);  // numpy scalars become plain numbers
        QCOMPARE(args.at("np_int").asInt(), int64_t(-3));
        QCOMPARE(args.at("np_bool").asBool(), true);

        const PyValue& opt = root.at("optimizer");
        const PyValue* state0 = opt.at("state").dictRef().find(PyValue(0));
        QVERIFY(state0);
        QCOMPARE(state0->at("step").asTensor().item<float>(), 3.0f);
        const PyValue& groups = opt.at("param_groups");
        QCOMPARE(groups.size(), size_t(2));
        QVERIFY(groups.items()[0].at("betas").isTuple());
        QCOMPARE(groups.items()[0].at("betas").items()[1].asFloat(), 0.999);
        QVERIFY(groups.items()[0].at("foreach").isNone());
        QCOMPARE(groups.items()[1].at("params").items()[1].asInt(), int64_t(2));
        QCOMPARE(root.at("lr_scheduler").at("last_epoch").asInt(), int64_t(12));

        const PyValue& x = root.at("extras");
        QCOMPARE(x.at("one_key").at("only").asInt(), int64_t(1));  // SETITEM
        at::Tensor a = x.at("shared_a").asTensor(), b = x.at("shared_b").asTensor();
        QVERIFY(at::equal(a, at::arange(2, 6, at::kFloat)));
        QVERIFY(at::equal(b, at::arange(10, at::kFloat).view({2, 5})));
        QCOMPARE(a.data_ptr<float>(), b.data_ptr<float>() + 2);  // one storage, shared
        at::Tensor nc = x.at("noncontig").asTensor();
        QVERIFY(at::equal(nc, at::arange(6, at::kLong).reshape({2, 3}).t()));
        QVERIFY(at::equal(x.at("param").asTensor(), at::tensor({1.5f, -2.5f})));
        QCOMPARE(x.at("bf16").asTensor().scalar_type(), at::kBFloat16);
        QCOMPARE(x.at("bf16").asTensor()[1].item<float>(), -2.0f);
        QVERIFY(at::equal(x.at("bools").asTensor(), at::tensor({1, 0, 1}).to(at::kBool)));
        QCOMPARE(x.at("f64").asTensor()[0][0].item<double>(), 1e-300);
        QCOMPARE(x.at("scalar").asTensor().dim(), int64_t(0));
        QCOMPARE(x.at("empty").asTensor().sizes(), (at::IntArrayRef{0, 4}));
        QCOMPARE(x.at("blob").asString(), std::string("\x00\x01\xfe\xffok", 6));
        QVERIFY(x.at("blob").isBytes());
        QCOMPARE(QString::fromStdString(x.at("a_set").typeName()), QString("builtins.set"));
        QVERIFY(x.at("nothing").isNone());
        QCOMPARE(x.at("nested").items()[2].items()[1].asFloat(), 1.5);
        QVERIFY(x.at("nested").items()[1].items().empty());
    }

    void readsParityFixtures() {
        PthFile f = readPth(dataPath("rfdetr/tiny_model.pth"));
        QCOMPARE(int(f.root.at("model").size()), 223);
        QCOMPARE(QString::fromStdString(f.root.at("format").asString()), QString("rfdetr-tiny-parity-fixture-v1"));
    }

    void roundTrip() {
        PyValue root = readPth(dataPath("pth/rfdetr_like.pth")).root;
        writePth(tmp("round.pth"), root);
        PyValue back = readPth(tmp("round.pth")).root;
        QVERIFY(back.equals(root));
        QVERIFY(!fs::exists(tmp("round.pth") + ".tmp"));
    }

    void pickleCornerCases() {
        // Protocol-0 text opcodes, memo PUT/GET, negative LONG1, an unknown class kept as an object.
        const std::string p0 = "(lp0\nI42\naI01\naF2.5\naVhi\np1\nag1\na.";
        PyValue v = unpickle(p0).value;
        QCOMPARE(v.size(), size_t(5));
        QCOMPARE(v.items()[0].asInt(), int64_t(42));
        QCOMPARE(v.items()[1].asBool(), true);
        QCOMPARE(v.items()[4].asString(), std::string("hi"));
        const std::string neg = std::string("\x80\x02\x8a\x02\x00\xff.", 7);  // LONG1 -256
        QCOMPARE(unpickle(neg).value.asInt(), int64_t(-256));
        static const char kObj[] = "\x80\x02" "cmypkg\nThing\n" "X\x02\x00\x00\x00" "f8" "\x85R.";
        const std::string obj(kObj, sizeof kObj - 1);
        UnpickleResult r = unpickle(obj);
        QCOMPARE(QString::fromStdString(r.value.typeName()), QString("mypkg.Thing"));
        QCOMPARE(QString::fromStdString(r.value.objectRef().args.at(0).asString()), QString("f8"));
        QCOMPARE(r.unknownClasses.size(), size_t(1));
        // Malformed input names the byte offset.
        bool threw = false;
        try {
            unpickle(std::string("\x80\x02]q\x00(K\x01", 7));
        } catch (const PickleError& e) {
            threw = std::string(e.what()).find("truncated") != std::string::npos;
        }
        QVERIFY(threw);
        QVERIFY_THROWS_EXCEPTION(PickleError, unpickle("\x80\x02\xff."));
    }

    void writerIntegers() {
        for (int64_t n : {int64_t(0), int64_t(255), int64_t(256), int64_t(65535), int64_t(65536), int64_t(-1),
                          int64_t(-129), int64_t(2147483647), int64_t(2147483648LL), int64_t(-2147483649LL),
                          int64_t(1) << 62, std::numeric_limits<int64_t>::min()}) {
            QCOMPARE(unpickle(pickleValue(PyValue(n)).bytes).value.asInt(), n);
        }
        QCOMPARE(unpickle(pickleValue(PyValue(-0.125)).bytes).value.asFloat(), -0.125);
    }

    // What we write, Python's torch.load reads: rfdetr's checkpoint layout with tensors of several dtypes.
    void pythonLoadsWhatWeWrite() {
        PyValue ck = PyValue::dict();
        NamedTensors sd = {{"class_embed.weight", at::arange(8, at::kFloat).reshape({2, 4})},
                           {"class_embed.bias", at::tensor({-4.59512f, 1.0f})},
                           {"view", at::arange(12, at::kFloat).reshape({3, 4}).t()}};
        ck.set("model", stateDictToValue(sd));
        ck.set("ema_model", stateDictToValue({{"class_embed.bias", at::tensor({0.5f, 0.25f})}}));
        PyValue opt = PyValue::dict();
        PyValue state = PyValue::dict();
        PyValue s0 = PyValue::dict();
        s0.set("step", at::tensor(7.0f));
        s0.set("exp_avg", at::ones({2, 4}));
        state.dictRef().set(PyValue(0), s0);
        opt.set("state", state);
        PyValue group = PyValue::dict();
        group.set("lr", 1e-4);
        group.set("betas", PyValue::tuple({0.9, 0.999}));
        group.set("params", PyValue::list({0, 1}));
        group.set("foreach", PyValue());
        opt.set("param_groups", PyValue::list({group}));
        ck.set("optimizer", opt);
        ck.set("epoch", 41);
        PyValue args = PyValue::namespaceObject();
        args.set("num_classes", 3);
        args.set("class_names", PyValue::list({"checkbox", "text"}));
        args.set("amp", true);
        args.set("lr", 1e-4);
        args.set("unicode", "Größe");
        ck.set("args", args);
        PyValue studio = PyValue::dict();
        studio.set("step", int64_t(1) << 33);
        studio.set("rng", PyValue::bytes(std::string("\x00\xff\x10", 3)));
        studio.set("bf16", at::tensor({1.5f, -2.0f}).to(at::kBFloat16));
        studio.set("mask", at::tensor({1, 0}).to(at::kBool));
        studio.set("ids", at::tensor({int64_t(5), int64_t(-6)}));
        ck.set("studio", studio);
        const std::string path = tmp("for_python.pth");
        writePth(path, ck);

        const QString script = R"PY(
import sys, argparse, collections, torch
ck = torch.load(sys.argv[1], map_location='cpu', weights_only=False) if 'weights_only' in torch.load.__code__.co_varnames else torch.load(sys.argv[1], map_location='cpu')
m = ck['model']
assert isinstance(m, collections.OrderedDict), type(m)
assert list(m.keys()) == ['class_embed.weight', 'class_embed.bias', 'view'], list(m.keys())
assert torch.equal(m['class_embed.weight'], torch.arange(8.).reshape(2, 4))
assert torch.equal(m['view'], torch.arange(12.).reshape(3, 4).t())
assert abs(m['class_embed.bias'][0].item() + 4.59512) < 1e-6
assert torch.equal(ck['ema_model']['class_embed.bias'], torch.tensor([0.5, 0.25]))
o = ck['optimizer']
assert o['state'][0]['step'].item() == 7.0 and torch.equal(o['state'][0]['exp_avg'], torch.ones(2, 4))
g = o['param_groups'][0]
assert g['betas'] == (0.9, 0.999) and g['params'] == [0, 1] and g['foreach'] is None and g['lr'] == 1e-4
assert ck['epoch'] == 41
a = ck['args']
assert isinstance(a, argparse.Namespace), type(a)
assert a.num_classes == 3 and a.class_names == ['checkbox', 'text'] and a.amp is True and a.lr == 1e-4
assert a.unicode == 'Größe'
s = ck['studio']
assert s['step'] == 2 ** 33 and s['rng'] == b'\x00\xff\x10'
assert s['bf16'].dtype == torch.bfloat16 and s['bf16'].tolist() == [1.5, -2.0]
assert s['mask'].tolist() == [True, False] and s['ids'].tolist() == [5, -6]
print('OK')
)PY";
        const PythonRun run = runPythonWithTorch(script, {QString::fromStdString(path)});
        if (!run.haveTorch) QSKIP("no python3 with torch (apt-get install python3-torch): torch.load not checked");
        QVERIFY2(run.exitCode == 0 && run.output.contains("OK"), qPrintable(run.output));
        // And our reader sees the same tree.
        QVERIFY(readPth(path).root.equals(ck));
    }

    void clearErrors() {
        QVERIFY(pthError(tmp("absent.pth")).find("cannot open") != std::string::npos);
        writeAll(tmp("empty.pth"), "");
        QVERIFY(pthError(tmp("empty.pth")).find("empty") != std::string::npos);
        writeAll(tmp("text.pth"), "{\"model\": 1}");
        QVERIFY(pthError(tmp("text.pth")).find("not a PyTorch checkpoint") != std::string::npos);
        writeAll(tmp("legacy.pth"), std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15));
        QVERIFY(pthError(tmp("legacy.pth")).find("legacy") != std::string::npos);

        const std::string full = readAll(dataPath("rfdetr/tiny_model.pth"));
        writeAll(tmp("truncated.pth"), full.substr(0, full.size() / 2));
        const std::string t = pthError(tmp("truncated.pth"));
        QVERIFY2(t.find("truncated") != std::string::npos && t.find("truncated.pth") != std::string::npos, t.c_str());

        std::string corrupt = full;  // flip bytes inside the first storage record: zip CRC check fails
        const auto pos = corrupt.find("tiny_model/data/0");
        QVERIFY(pos != std::string::npos);
        for (size_t i = pos + 200; i < pos + 260; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
        writeAll(tmp("corrupt.pth"), corrupt);
        const std::string c = pthError(tmp("corrupt.pth"));
        QVERIFY2(c.find("data/0 is corrupt") != std::string::npos, c.c_str());

        // A zip that is not a torch.save archive.
        writePth(tmp("ok.pth"), PyValue(1));
        std::string z = readAll(tmp("ok.pth"));
        for (size_t i = 0; (i = z.find("data.pkl", i)) != std::string::npos; ++i) z.replace(i, 8, "data.xyz");
        writeAll(tmp("nodata.pth"), z);
        QVERIFY(pthError(tmp("nodata.pth")).find("data.pkl") != std::string::npos);
    }

    void writeFailureKeepsPreviousFile() {
        const std::string path = tmp("keep.pth");
        writePth(path, PyValue::list({1, 2, 3}));
        const std::string before = readAll(path);
        PyValue bad = PyValue::dict();
        bad.set("ok", at::ones({2}));
        bad.set("undefined", at::Tensor());  // cannot be saved
        bool threw = false;
        try {
            writePth(path, bad);
        } catch (const PthError& e) {
            threw = std::string(e.what()).find("keep.pth") != std::string::npos;
        }
        QVERIFY(threw);
        QCOMPARE(readAll(path), before);
        QVERIFY_THROWS_EXCEPTION(PthError, writePth(tmp("no/such/dir/x.pth"), PyValue(1)));
    }
};

QTEST_GUILESS_MAIN(TestPthIo)
#include "tst_pth_io.moc"
