#include "train/engine/optimizer_state.h"

#include <ATen/ATen.h>

namespace studio::train {

namespace {
PyValue cpuCopy(const at::Tensor& t) { return PyValue(t.detach().to(at::kCPU).contiguous().clone()); }
}  // namespace

PyValue optimizerToPy(const AdamW& opt) {
    PyValue state = PyValue::dict();
    PyValue groups = PyValue::list();
    for (std::size_t i = 0; i < opt.size(); ++i) {
        const AdamWState& s = opt.states()[i];
        const auto index = static_cast<std::int64_t>(i);
        if (s.expAvg.defined()) {
            PyValue entry = PyValue::dict();
            entry.set("step", PyValue(at::scalar_tensor(s.step, at::kFloat)));
            entry.set("exp_avg", cpuCopy(s.expAvg));
            entry.set("exp_avg_sq", cpuCopy(s.expAvgSq));
            state.dictRef().set(PyValue(index), entry);
        }
        PyValue g = PyValue::dict();
        g.set("lr", opt.lr(i));
        g.set("betas", PyValue::tuple({opt.options().beta1, opt.options().beta2}));
        g.set("eps", opt.options().eps);
        g.set("weight_decay", opt.group(i).weightDecay);
        g.set("amsgrad", false);
        g.set("foreach", PyValue::none());
        g.set("maximize", false);
        g.set("capturable", false);
        g.set("differentiable", false);
        g.set("fused", PyValue::none());
        g.set("initial_lr", opt.group(i).initialLr);
        g.set("params", PyValue::list({PyValue(index)}));
        groups.append(g);
    }
    PyValue out = PyValue::dict();
    out.set("state", state);
    out.set("param_groups", groups);
    return out;
}

void optimizerFromPy(AdamW& opt, const PyValue& value) {
    try {
        const PyValue& groups = value.at("param_groups");
        if (groups.size() != opt.size())
            throw OptimizerStateError("the optimizer state has " + std::to_string(groups.size()) +
                                      " parameter groups but this model has " + std::to_string(opt.size()) +
                                      " (a checkpoint of another model or another parameter grouping)");
        // Map each saved parameter id to its group position (rfdetr: group i holds parameter i).
        std::vector<std::int64_t> idOfGroup(opt.size(), -1);
        for (std::size_t i = 0; i < groups.size(); ++i) {
            const PyValue& params = groups.items()[i].at("params");
            if (params.size() != 1)
                throw OptimizerStateError("parameter group " + std::to_string(i) + " holds " +
                                          std::to_string(params.size()) + " parameters; expected one per group");
            idOfGroup[i] = params.items()[0].asInt();
        }
        std::vector<AdamWState> states(opt.size());
        const PyValue& state = value.at("state");
        for (std::size_t i = 0; i < opt.size(); ++i) {
            const PyValue* entry = state.dictRef().find(PyValue(idOfGroup[i]));
            if (!entry) continue;  // never updated (no gradient yet)
            const PyValue& step = entry->at("step");
            states[i].step = step.isTensor() ? step.asTensor().item<double>() : step.asFloat();
            states[i].expAvg = entry->at("exp_avg").asTensor();
            states[i].expAvgSq = entry->at("exp_avg_sq").asTensor();
            const at::Tensor& p = opt.group(i).param;
            if (!states[i].expAvg.sizes().equals(p.sizes()) || !states[i].expAvgSq.sizes().equals(p.sizes()))
                throw OptimizerStateError("the optimizer state of parameter group " + std::to_string(i) +
                                          " has shape " + c10::str(states[i].expAvg.sizes()) +
                                          " but the parameter has " + c10::str(p.sizes()));
        }
        opt.setStates(std::move(states));
    } catch (const OptimizerStateError&) {
        throw;
    } catch (const std::exception& e) {
        throw OptimizerStateError(std::string("the optimizer state is malformed: ") + e.what());
    }
}

PyValue schedulerToPy(const AdamW& opt, std::int64_t step) {
    PyValue base = PyValue::list(), last = PyValue::list(), lambdas = PyValue::list();
    for (std::size_t i = 0; i < opt.size(); ++i) {
        base.append(opt.group(i).initialLr);
        last.append(opt.lr(i));
        lambdas.append(PyValue::none());
    }
    PyValue out = PyValue::dict();
    out.set("base_lrs", base);
    out.set("last_epoch", step);
    out.set("verbose", false);
    out.set("_step_count", step + 1);
    out.set("_get_lr_called_within_step", false);
    out.set("_last_lr", last);
    out.set("lr_lambdas", lambdas);
    return out;
}

std::int64_t schedulerStepFromPy(const PyValue& value) {
    try {
        return value.at("last_epoch").asInt();
    } catch (const std::exception& e) {
        throw OptimizerStateError(std::string("the lr_scheduler state is malformed: ") + e.what());
    }
}

}  // namespace studio::train
