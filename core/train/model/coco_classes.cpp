#include "train/model/coco_classes.h"

namespace studio::train {

const char* cocoClassName(std::int64_t id) {
    static const char* const kNames[91] = {
        nullptr, "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
        "traffic light", "fire hydrant", nullptr, "stop sign", "parking meter", "bench", "bird", "cat", "dog",
        "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", nullptr, "backpack", "umbrella", nullptr,
        nullptr, "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
        "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", nullptr,
        "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
        "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
        nullptr, "dining table", nullptr, nullptr, "toilet", nullptr, "tv", "laptop", "mouse", "remote",
        "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", nullptr, "book",
        "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush"};
    return id >= 0 && id < 91 ? kNames[id] : nullptr;
}

}  // namespace studio::train
