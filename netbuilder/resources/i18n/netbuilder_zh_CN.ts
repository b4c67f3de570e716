<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ActivationView</name>
    <message>
        <location filename="../../gui/inspect/activations.py" line="236"/>
        <source>Draw a digit to see what every layer makes of it.</source>
        <translation>手写一个数字，看看每一层把它变成了什么。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/activations.py" line="251"/>
        <source>What every layer makes of the drawing</source>
        <translation>每一层对这幅画的处理结果</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/activations.py" line="306"/>
        <source>scalar</source>
        <translation>标量</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/activations.py" line="313"/>
        <source>The first %1 of %2 feature maps</source>
        <translation>%2 个特征图中的前 %1 个</translation>
    </message>
</context>
<context>
    <name>ArgField</name>
    <message>
        <location filename="../../gui/network/arg_field.py" line="64"/>
        <source>Invalid:</source>
        <translation>无效：</translation>
    </message>
</context>
<context>
    <name>CardDelegate</name>
    <message>
        <location filename="../../gui/network/cards.py" line="76"/>
        <source>, no bias</source>
        <translation>，无偏置</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="77"/>
        <source>to %1</source>
        <translation>输出 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="78"/>
        <source>%1 in %2 groups</source>
        <translation>%1 通道，分 %2 组</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="79"/>
        <source>, %1 layers</source>
        <translation>，%1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="80"/>
        <source>dims %1…%2</source>
        <translation>维度 %1…%2</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="81"/>
        <source>dim %1 → %2</source>
        <translation>维度 %1 → %2</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="93"/>
        <source>in %1 → out %2</source>
        <translation>输入 %1 → 输出 %2</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="95"/>
        <source>%1 parameters, %2 MACs</source>
        <translation>%1 个参数，%2 次乘加 (MACs)</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="101"/>
        <location filename="../../gui/network/cards.py" line="126"/>
        <source>Fix: %1</source>
        <translation>修复：%1</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="203"/>
        <source>shape error</source>
        <translation>形状错误</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="204"/>
        <source>%1 params</source>
        <translation>%1 个参数</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="71"/>
        <source>Block · 1 layer</source>
        <translation>块 · 1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="46"/>
        <source>body</source>
        <translation>主体</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="47"/>
        <source>shortcut</source>
        <translation>捷径</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="48"/>
        <source>shortcut: identity (drop a projection here)</source>
        <translation>捷径：恒等（可在此放入投影层）</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="51"/>
        <source>branch %1</source>
        <translation>分支 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="53"/>
        <source>: identity</source>
        <translation>：恒等</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="63"/>
        <source>1 layer</source>
        <translation>1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="64"/>
        <source>%1 layers</source>
        <translation>%1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="65"/>
        <source>Residual%1 · %2</source>
        <translation>残差%1 · %2</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="69"/>
        <source>Parallel · %1 · %2 branches</source>
        <translation>并行 · %1 · %2 个分支</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="72"/>
        <source>Block · %1 layers</source>
        <translation>块 · %1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="117"/>
        <source>output %1</source>
        <translation>输出 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="118"/>
        <source>1 parameter</source>
        <translation>1 个参数</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="119"/>
        <source>%1 parameters</source>
        <translation>%1 个参数</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="121"/>
        <source>error: %1</source>
        <translation>错误：%1</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="124"/>
        <source>warning: %1</source>
        <translation>警告：%1</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="132"/>
        <source>frozen</source>
        <translation>已冻结</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="134"/>
        <source>input %1</source>
        <translation>输入 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="143"/>
        <source>%1, output %2</source>
        <translation>%1，输出 %2</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="241"/>
        <source>  · frozen</source>
        <translation>  · 已冻结</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="243"/>
        <source>  · trained</source>
        <translation>  · 已训练</translation>
    </message>
    <message>
        <location filename="../../gui/network/cards.py" line="336"/>
        <source>Rename %1 to %2</source>
        <translation>将 %1 重命名为 %2</translation>
    </message>
</context>
<context>
    <name>CodeView</name>
    <message>
        <location filename="../../gui/network/code_view.py" line="71"/>
        <source>Code style</source>
        <translation>代码风格</translation>
    </message>
    <message>
        <location filename="../../gui/network/code_view.py" line="72"/>
        <source>nn.Module class</source>
        <translation>nn.Module 类</translation>
    </message>
    <message>
        <location filename="../../gui/network/code_view.py" line="73"/>
        <source>nn.Sequential</source>
        <translation>nn.Sequential</translation>
    </message>
    <message>
        <location filename="../../gui/network/code_view.py" line="74"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../gui/network/code_view.py" line="105"/>
        <source># computing…</source>
        <translation># 计算中…</translation>
    </message>
    <message>
        <location filename="../../gui/network/code_view.py" line="131"/>
        <source>The network has problems: %1</source>
        <translation>网络有问题：%1</translation>
    </message>
    <message>
        <location filename="../../gui/network/code_view.py" line="134"/>
        <source>Shapes do not fit yet; the code is written anyway.</source>
        <translation>形状尚不匹配；代码仍照常生成。</translation>
    </message>
</context>
<context>
    <name>CurrentEvaluation</name>
    <message>
        <location filename="../../gui/controllers/current_evaluation.py" line="77"/>
        <source>The evaluation could not run: %1</source>
        <translation>无法运行评估：%1</translation>
    </message>
</context>
<context>
    <name>DatasetLoads</name>
    <message>
        <location filename="../../gui/controllers/dataset_loads.py" line="94"/>
        <source>Downloading %1…</source>
        <translation>正在下载 %1…</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/dataset_loads.py" line="105"/>
        <source>%1 is ready.</source>
        <translation>%1 已就绪。</translation>
    </message>
</context>
<context>
    <name>DiagramController</name>
    <message>
        <location filename="../../gui/controllers/diagram.py" line="27"/>
        <source>SVG image (*.svg)</source>
        <translation>SVG 图像 (*.svg)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/diagram.py" line="27"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/diagram.py" line="29"/>
        <source>Export diagram</source>
        <translation>导出结构图</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/diagram.py" line="45"/>
        <source>Cannot export the diagram</source>
        <translation>无法导出结构图</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/diagram.py" line="48"/>
        <source>Wrote %1 (%2 diagram)</source>
        <translation>已写入 %1（%2 结构图）</translation>
    </message>
</context>
<context>
    <name>Docks</name>
    <message>
        <location filename="../../gui/docks.py" line="24"/>
        <source>Go to %1</source>
        <translation>转到%1</translation>
    </message>
    <message>
        <location filename="../../gui/docks.py" line="25"/>
        <source>the Stack</source>
        <translation>层堆栈</translation>
    </message>
    <message>
        <location filename="../../gui/docks.py" line="91"/>
        <source>Next Panel</source>
        <translation>下一个面板</translation>
    </message>
    <message>
        <location filename="../../gui/docks.py" line="91"/>
        <source>Previous Panel</source>
        <translation>上一个面板</translation>
    </message>
</context>
<context>
    <name>Document</name>
    <message>
        <location filename="../../gui/model/document.py" line="130"/>
        <source>The network is training: stop the run to change it.</source>
        <translation>网络正在训练：请先停止本次运行再修改。</translation>
    </message>
</context>
<context>
    <name>DrawCanvas</name>
    <message>
        <location filename="../../gui/inspect/draw.py" line="192"/>
        <source>Draw a digit here</source>
        <translation>在此手写一个数字</translation>
    </message>
</context>
<context>
    <name>DrawPanel</name>
    <message>
        <location filename="../../gui/inspect/draw.py" line="56"/>
        <source>The canvas is empty: draw a digit.</source>
        <translation>画布是空的：请写一个数字。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="57"/>
        <source>The drawing is too small to trust: draw the digit larger.</source>
        <translation>画得太小，结果不可靠：请把数字写大一些。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="58"/>
        <source>The drawing is too faint to trust: use a wider or darker stroke.</source>
        <translation>笔迹太淡，结果不可靠：请用更粗或更深的笔画。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="211"/>
        <source>Drawing canvas</source>
        <translation>手写画布</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="213"/>
        <source>Draw a digit with the mouse or a pen; Esc clears it</source>
        <translation>用鼠标或手写笔写一个数字；按 Esc 清除</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="219"/>
        <source>Clear (Esc)</source>
        <translation>清除 (Esc)</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="221"/>
        <source>Undo stroke</source>
        <translation>撤销笔画</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="226"/>
        <source>The 28×28 image the network receives</source>
        <translation>网络接收到的 28×28 图像</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="227"/>
        <source>Saliency</source>
        <translation>显著性图</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="229"/>
        <source>Where a change of the input would change the top class most</source>
        <translation>输入在哪些位置变化时，对最高得分类别的影响最大</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="253"/>
        <source>Class probabilities</source>
        <translation>各类别概率</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="263"/>
        <source>Show what the network sees</source>
        <translation>显示网络看到的内容</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="269"/>
        <source>Add as example</source>
        <translation>添加为样本</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="273"/>
        <source>Fine-tune</source>
        <translation>微调</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="275"/>
        <source>A short run on your examples mixed with training images</source>
        <translation>在你的样本与训练图像混合的数据上做一次短时训练</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="279"/>
        <source>Brush</source>
        <translation>笔刷</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="287"/>
        <source>Network input (28×28)</source>
        <translation>网络输入 (28×28)</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="299"/>
        <source>This is a</source>
        <translation>这是</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="364"/>
        <source>No network to ask yet: train one (F5) or load weights.</source>
        <translation>还没有可用的网络：请先训练一个 (F5) 或加载权重。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="418"/>
        <source>Not sure — maybe %1 or %2</source>
        <translation>不确定——可能是 %1 或 %2</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="419"/>
        <source>Not sure — maybe %1</source>
        <translation>不确定——可能是 %1</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="421"/>
        <source>%1 (%2), or maybe %3 (%4)</source>
        <translation>%1 (%2)，也可能是 %3 (%4)</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="425"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="432"/>
        <source>Uncalibrated</source>
        <translation>未校准</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="434"/>
        <source>These probabilities are the network&apos;s raw softmax, which is often over-confident. A training run calibrates them on its validation split; checkpoints and projects saved after it keep the calibration.</source>
        <translation>这些概率是网络的原始 softmax 输出，往往过于自信。训练一次会在验证集上校准它们；之后保存的检查点和项目会保留校准。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="438"/>
        <source>Calibrated: not sure below %1</source>
        <translation>已校准：低于 %1 时为“不确定”</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="441"/>
        <source>Probabilities calibrated on the validation split by temperature scaling (temperature %1). Below %2 the answer is “not sure”: on validation, the answers at or above it were at least %3 right.</source>
        <translation>概率已在验证集上用温度缩放校准（温度 %1）。低于 %2 时答案为“不确定”：在验证集上，置信度不低于该值的答案至少 %3 正确。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="458"/>
        <source>Draw a clear digit first, then label it.</source>
        <translation>请先写一个清晰的数字，再为它标注。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="470"/>
        <source>1 example</source>
        <translation>1 个样本</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/draw.py" line="471"/>
        <source>%1 examples</source>
        <translation>%1 个样本</translation>
    </message>
</context>
<context>
    <name>EditingController</name>
    <message>
        <location filename="../../gui/controllers/editing.py" line="40"/>
        <source>1 item</source>
        <translation>1 项</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="41"/>
        <source>%1 items</source>
        <translation>%1 项</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="42"/>
        <source>Delete %1</source>
        <translation>删除 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="47"/>
        <source>Duplicate</source>
        <translation>创建副本</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="52"/>
        <source>Move Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="52"/>
        <source>Move Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="59"/>
        <source>Group into Block</source>
        <translation>组合为块</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="59"/>
        <source>Group into Residual</source>
        <translation>组合为残差块</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="60"/>
        <source>Group into Parallel</source>
        <translation>组合为并行块</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="67"/>
        <source>Ungroup %1</source>
        <translation>取消组合 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="78"/>
        <source>Copied 1 item</source>
        <translation>已复制 1 项</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="79"/>
        <source>Copied %1 items</source>
        <translation>已复制 %1 项</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="92"/>
        <source>The clipboard holds no netbuilder layers.</source>
        <translation>剪贴板中没有 netbuilder 层。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="95"/>
        <source>Paste 1 item</source>
        <translation>粘贴 1 项</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="95"/>
        <source>Paste %1 items</source>
        <translation>粘贴 %1 项</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="103"/>
        <source>the whole network</source>
        <translation>整个网络</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="104"/>
        <source>Freeze %1</source>
        <translation>冻结 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="104"/>
        <source>Unfreeze %1</source>
        <translation>解冻 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/editing.py" line="117"/>
        <source>Stop the run to change what trains.</source>
        <translation>请先停止本次运行，再更改要训练的部分。</translation>
    </message>
</context>
<context>
    <name>EvaluationView</name>
    <message>
        <location filename="../../gui/training/evaluation.py" line="153"/>
        <source>Train or pause a run to see how the network does on the validation images</source>
        <translation>训练或暂停一次运行，即可查看网络在验证集图像上的表现</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="172"/>
        <location filename="../../gui/training/evaluation.py" line="177"/>
        <location filename="../../gui/training/evaluation.py" line="476"/>
        <source>Accuracy per class</source>
        <translation>各类别准确率</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="181"/>
        <location filename="../../gui/training/evaluation.py" line="477"/>
        <source>True class</source>
        <translation>真实类别</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="185"/>
        <source>Confusion matrix</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="189"/>
        <source>Rows: the true class; columns: the predicted class. Click a cell to see its images.</source>
        <translation>行：真实类别；列：预测类别。点击单元格可查看其中的图像。</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="198"/>
        <source>Confusion matrix: rows are the true class, columns the predicted one</source>
        <translation>混淆矩阵：行为真实类别，列为预测类别</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="207"/>
        <source>Show the most confidently wrong</source>
        <translation>显示置信度最高的错误</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="214"/>
        <source>Most confidently wrong examples</source>
        <translation>最自信却错误的样本</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="331"/>
        <source>Most confidently wrong</source>
        <translation>置信度最高的错误</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="334"/>
        <source>Most confidently wrong: none, every validation image is right</source>
        <translation>置信度最高的错误：无，所有验证集图像均预测正确</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="336"/>
        <source>Most confidently wrong: none were kept</source>
        <translation>置信度最高的错误：未保留任何图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="350"/>
        <source>True %1, predicted %2: the images were not kept with this result</source>
        <translation>真实 %1，预测 %2：此结果未保留图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="358"/>
        <source>no images</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="358"/>
        <source>1 image</source>
        <translation>1 张图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="359"/>
        <source>%1 images</source>
        <translation>%1 张图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="360"/>
        <source>True %1, predicted %2: %3</source>
        <translation>真实 %1，预测 %2：%3</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="363"/>
        <source> (showing the first %1)</source>
        <translation>（显示前 %1 张）</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="391"/>
        <source>Validation accuracy %1 % (%2 of %3)</source>
        <translation>验证集准确率 %1 %（%3 张中 %2 张正确）</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="393"/>
        <source>loss %1</source>
        <translation>损失 %1</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="427"/>
        <source>Predicted %1</source>
        <translation>预测为 %1</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="428"/>
        <source>True %1</source>
        <translation>真实为 %1</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="438"/>
        <source>True %1, predicted %2: %3 (%4 % of the %1s)</source>
        <translation>真实 %1，预测 %2：%3（占真实 %1 的 %4 %）</translation>
    </message>
    <message>
        <location filename="../../gui/training/evaluation.py" line="456"/>
        <source>Validation image #%1
true: %2
predicted: %3 with %4 % confidence</source>
        <translation>验证集图像 #%1
真实：%2
预测：%3，置信度 %4 %</translation>
    </message>
</context>
<context>
    <name>FilesController</name>
    <message>
        <location filename="../../gui/controllers/files.py" line="72"/>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="73"/>
        <source>%1 (template)</source>
        <translation>%1（模板）</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="82"/>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="123"/>
        <location filename="../../gui/controllers/files.py" line="125"/>
        <location filename="../../gui/controllers/files.py" line="149"/>
        <source>Cannot open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="140"/>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="83"/>
        <source>Save the changes to %1?

Not saved yet: %2.</source>
        <translation>保存对 %1 的更改吗？

尚未保存：%2。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="107"/>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="108"/>
        <source>netbuilder projects and networks (*.nbproj *.json)</source>
        <translation>netbuilder 项目和网络 (*.nbproj *.json)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="121"/>
        <source>To allow a custom-layer file, add it with Layers ▸ Add Layers from File…, then open the project again.</source>
        <translation>要允许自定义层文件,请用“层 ▸ 从文件添加层…”添加它,然后再次打开项目。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="126"/>
        <source>The network cannot be built: %1</source>
        <translation>无法构建网络：%1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="150"/>
        <source>%1 is not a file netbuilder opens: drop a project (.nbproj, .json), a network (.json), or weights or a checkpoint (.pth).</source>
        <translation>netbuilder 无法打开 %1：请拖入项目（.nbproj、.json）、网络（.json），或权重、检查点（.pth）。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="174"/>
        <source>netbuilder project (*%1)</source>
        <translation>netbuilder 项目 (*%1)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="175"/>
        <source>Network spec only (*.json)</source>
        <translation>仅网络结构 (*.json)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="177"/>
        <source>Save project as</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="194"/>
        <location filename="../../gui/controllers/files.py" line="214"/>
        <source>Cannot save</source>
        <translation>无法保存</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="195"/>
        <location filename="../../gui/controllers/files.py" line="215"/>
        <source>%1 could not be written: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="201"/>
        <source>Saved %1: a project with trained weights is a %2 file (%3 is left as it was)</source>
        <translation>已保存 %1：带有训练权重的项目保存为 %2 文件（%3 保持不变）</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="205"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="217"/>
        <source>Wrote the network spec %1 (the project itself is not saved)</source>
        <translation>已写入网络结构 %1（项目本身未保存）</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="245"/>
        <source>Importing %1 from %2…</source>
        <translation>正在从 %2 导入 %1…</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="257"/>
        <source>%1 from %2 is now the network.</source>
        <translation>来自 %2 的 %1 现在是当前网络。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="260"/>
        <source>Imported</source>
        <translation>已导入</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="265"/>
        <source>Cannot import %1</source>
        <translation>无法导入 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/files.py" line="313"/>
        <source>Autosave failed: %1</source>
        <translation>自动保存失败：%1</translation>
    </message>
</context>
<context>
    <name>GettingStarted</name>
    <message>
        <location filename="../../gui/dialogs/help.py" line="31"/>
        <source>Getting Started</source>
        <translation>入门</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="35"/>
        <source>Getting started</source>
        <translation>入门</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="38"/>
        <source>&lt;h2&gt;Getting started with netbuilder&lt;/h2&gt;&lt;p&gt;A network is a stack of layers, top to bottom. The card of each layer shows the shape of what comes out of it; a red card says what does not fit.&lt;/p&gt;&lt;h3&gt;1. Build&lt;/h3&gt;&lt;p&gt;Drag a layer from the &lt;b&gt;Layers&lt;/b&gt; palette (left) into the stack, or double-click it to add it after the selected card. Edit the selected layer in &lt;b&gt;Properties&lt;/b&gt;. Delete removes, Ctrl+D duplicates, Alt+Up/Down moves, Ctrl+G groups into a block; Ctrl+Z undoes anything. File ▸ New from Template… (Ctrl+Shift+N) starts from a working network.&lt;/p&gt;&lt;h3&gt;2. Train&lt;/h3&gt;&lt;p&gt;Choose the dataset and settings in the &lt;b&gt;Training&lt;/b&gt; panel and press &lt;b&gt;F5&lt;/b&gt;. The &lt;b&gt;Curves&lt;/b&gt; show the loss and accuracy live; F6 pauses, Shift+F5 stops. &lt;b&gt;Evaluation&lt;/b&gt; shows what the network gets right and wrong.&lt;/p&gt;&lt;h3&gt;3. Try&lt;/h3&gt;&lt;p&gt;On the &lt;b&gt;Draw&lt;/b&gt; panel, draw a digit with the mouse and see what the network answers; &lt;b&gt;Try&lt;/b&gt; takes an image file or a row of a table.&lt;/p&gt;&lt;h3&gt;4. Save and export&lt;/h3&gt;&lt;p&gt;Ctrl+S saves the project with its weights. File ▸ Export writes the network as PyTorch code, its weights as a state_dict that plain PyTorch loads, a training script, or ONNX, TorchScript and torch.export programs.&lt;/p&gt;&lt;p&gt;Help ▸ Keyboard Shortcuts lists every shortcut.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;netbuilder 入门&lt;/h2&gt;&lt;p&gt;网络是从上到下堆叠的一层层。每一层的卡片显示从它输出的形状;红色卡片说明哪里不匹配。&lt;/p&gt;&lt;h3&gt;1. 构建&lt;/h3&gt;&lt;p&gt;把层从左侧的&lt;b&gt;层&lt;/b&gt;面板拖到堆栈中,或双击它添加到所选卡片之后。在&lt;b&gt;属性&lt;/b&gt;中编辑所选层。Delete 删除,Ctrl+D 复制,Alt+上/下 移动,Ctrl+G 编组为块;Ctrl+Z 可撤销任何操作。文件 ▸ 从模板新建…(Ctrl+Shift+N)从一个可用的网络开始。&lt;/p&gt;&lt;h3&gt;2. 训练&lt;/h3&gt;&lt;p&gt;在&lt;b&gt;训练&lt;/b&gt;面板中选择数据集和设置,然后按 &lt;b&gt;F5&lt;/b&gt;。&lt;b&gt;曲线&lt;/b&gt;实时显示损失和准确率;F6 暂停,Shift+F5 停止。&lt;b&gt;评估&lt;/b&gt;显示网络哪些对、哪些错。&lt;/p&gt;&lt;h3&gt;3. 试用&lt;/h3&gt;&lt;p&gt;在&lt;b&gt;绘制&lt;/b&gt;面板上用鼠标写一个数字,看看网络的回答;&lt;b&gt;试用&lt;/b&gt;面板接受图像文件或表格的一行。&lt;/p&gt;&lt;h3&gt;4. 保存和导出&lt;/h3&gt;&lt;p&gt;Ctrl+S 连同权重保存项目。文件 ▸ 导出 可以把网络写成 PyTorch 代码,把权重写成普通 PyTorch 能加载的 state_dict,或写出训练脚本,以及 ONNX、TorchScript 和 torch.export 程序。&lt;/p&gt;&lt;p&gt;帮助 ▸ 键盘快捷键 列出所有快捷键。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>HealthView</name>
    <message>
        <location filename="../../gui/inspect/health.py" line="34"/>
        <location filename="../../gui/inspect/health.py" line="98"/>
        <source>Health appears while a run trains.</source>
        <translation>训练运行时会在此显示健康状况。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="38"/>
        <source>Health per layer</source>
        <translation>每层健康状况</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="39"/>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="39"/>
        <source>Gradient norm</source>
        <translation>梯度范数</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="40"/>
        <source>Update / weight</source>
        <translation>更新量 / 权重</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="40"/>
        <source>Dead units</source>
        <translation>死亡单元</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="46"/>
        <source>Health findings</source>
        <translation>健康检查结果</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="51"/>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="73"/>
        <source>Measured at step %1</source>
        <translation>于第 %1 步测得</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="79"/>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/health.py" line="91"/>
        <source>Nothing unusual.</source>
        <translation>未发现异常。</translation>
    </message>
</context>
<context>
    <name>ImportModelDialog</name>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="54"/>
        <source>Import PyTorch model</source>
        <translation>导入 PyTorch 模型</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="59"/>
        <source>Python file</source>
        <translation>Python 文件</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="60"/>
        <source>a .py file with an nn.Module class</source>
        <translation>含有 nn.Module 类的 .py 文件</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="61"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="71"/>
        <source>One sample&apos;s shape, without the batch</source>
        <translation>单个样本的形状，不含批维度</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="72"/>
        <source>Importing runs the file&apos;s code (in a separate process that is stopped after a minute). Import only code you trust.</source>
        <translation>导入会运行该文件的代码（在一个独立进程中，一分钟后停止）。只导入你信任的代码。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="81"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="85"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="86"/>
        <source>Class</source>
        <translation>类</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="87"/>
        <source>Input shape</source>
        <translation>输入形状</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="95"/>
        <source>Python file with a model</source>
        <translation>含有模型的 Python 文件</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="96"/>
        <source>Python (*.py)</source>
        <translation>Python (*.py)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="109"/>
        <source>No class found in this file (or it cannot be read as Python).</source>
        <translation>此文件中没有找到类（或无法作为 Python 读取）。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/import_model.py" line="121"/>
        <source>Choose a file, a class and an input shape such as %1.</source>
        <translation>请选择文件、类和输入形状，例如 %1。</translation>
    </message>
</context>
<context>
    <name>LayerFilesController</name>
    <message>
        <location filename="../../gui/controllers/layer_files.py" line="35"/>
        <source>Add Layers from File</source>
        <translation>从文件添加层</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/layer_files.py" line="36"/>
        <source>Python files (*.py)</source>
        <translation>Python 文件 (*.py)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/layer_files.py" line="42"/>
        <source>Cannot add layers from %1</source>
        <translation>无法从 %1 添加层</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/layer_files.py" line="59"/>
        <source>Add Layers from %1</source>
        <translation>从 %1 添加层</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/layer_files.py" line="62"/>
        <source>Added from %1: %2</source>
        <translation>已从 %1 添加:%2</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/layer_files.py" line="65"/>
        <source>Layers from %1</source>
        <translation>来自 %1 的层</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/layer_files.py" line="66"/>
        <source>Added: %1.

Not added:
%2</source>
        <translation>已添加:%1。

未添加:
%2</translation>
    </message>
</context>
<context>
    <name>LayerTrust</name>
    <message>
        <location filename="../../gui/layer_trust.py" line="61"/>
        <source>Run code from %1?</source>
        <translation>运行 %1 中的代码?</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="63"/>
        <source>Adding custom layers imports this Python file, which runs the code in it.</source>
        <translation>添加自定义层会导入这个 Python 文件,也就是运行其中的代码。</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="66"/>
        <source>This network uses custom layers from a Python file. Showing it imports the file, which runs the code in it.</source>
        <translation>这个网络使用了某个 Python 文件中的自定义层。显示它需要导入该文件,也就是运行其中的代码。</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="68"/>
        <source>File: %1</source>
        <translation>文件:%1</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="69"/>
        <source>SHA-256: %1</source>
        <translation>SHA-256:%1</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="71"/>
        <source>The file has changed since the network was saved (then: %1).</source>
        <translation>自网络保存以来,该文件已被修改(当时为:%1)。</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="74"/>
        <source>Run it only if you trust where it comes from. netbuilder remembers your answer for this file as it is now.</source>
        <translation>只有在信任其来源时才运行它。netbuilder 会针对该文件的当前内容记住你的回答。</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="80"/>
        <source>Run and Import</source>
        <translation>运行并导入</translation>
    </message>
    <message>
        <location filename="../../gui/layer_trust.py" line="83"/>
        <source>Don&apos;t Run</source>
        <translation>不运行</translation>
    </message>
</context>
<context>
    <name>LogFolderOption</name>
    <message>
        <location filename="../../gui/training/log_folder.py" line="38"/>
        <source>Log each run to a folder</source>
        <translation>将每次运行记录到文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/training/log_folder.py" line="41"/>
        <source>Each run also writes TensorBoard event files (losses, scores, learning rate, weight histograms) and metrics.csv into a new sub-folder of this folder; tensorboard --logdir FOLDER shows them. Kept on this computer, not in the project.</source>
        <translation>每次运行还会在此文件夹的新子文件夹中写入 TensorBoard 事件文件（损失、得分、学习率、权重直方图）和 metrics.csv；用 tensorboard --logdir 文件夹 查看。此设置保存在本机，不保存在项目中。</translation>
    </message>
    <message>
        <location filename="../../gui/training/log_folder.py" line="46"/>
        <source>folder for training logs</source>
        <translation>训练日志文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/training/log_folder.py" line="47"/>
        <source>Training log folder</source>
        <translation>训练日志文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/training/log_folder.py" line="49"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../gui/training/log_folder.py" line="51"/>
        <source>Choose the training log folder</source>
        <translation>选择训练日志文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/training/log_folder.py" line="52"/>
        <source>TensorBoard is not installed: only metrics.csv is written (pip install &apos;netbuilder[tensorboard]&apos;).</source>
        <translation>未安装 TensorBoard：只写入 metrics.csv（pip install &apos;netbuilder[tensorboard]&apos;）。</translation>
    </message>
    <message>
        <location filename="../../gui/training/log_folder.py" line="75"/>
        <source>Folder for training logs</source>
        <translation>训练日志文件夹</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gui/app.py" line="117"/>
        <source>Could not open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="100"/>
        <source>Training: the network is locked. Stop the run to edit it.</source>
        <translation>训练中：网络已锁定。请停止本次运行后再编辑。</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="125"/>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="127"/>
        <source>Properties</source>
        <translation>属性</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="129"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="131"/>
        <source>Summary and problems</source>
        <translation>摘要与问题</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="132"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="133"/>
        <source>Curves</source>
        <translation>曲线</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="135"/>
        <source>Evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="137"/>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="138"/>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="140"/>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="141"/>
        <source>Draw</source>
        <translation>手写</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="280"/>
        <source>Loading PyTorch&apos;s shape analysis…</source>
        <translation>正在加载 PyTorch 的形状分析…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="403"/>
        <location filename="../../gui/theme.py" line="16"/>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="143"/>
        <source>New here? Help ▸ Getting Started (F1)</source>
        <translation>初次使用?帮助 ▸ 入门(F1)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="146"/>
        <source>How to build, train (F5), try and export a network, on one page</source>
        <translation>一页说明如何构建、训练(F5)、试用和导出网络</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="143"/>
        <source>Try</source>
        <translation>试用</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="282"/>
        <source>shapes OK</source>
        <translation>形状正确</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="283"/>
        <source>1 shape error</source>
        <translation>1 个形状错误</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="283"/>
        <source>%1 shape errors</source>
        <translation>%1 个形状错误</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="284"/>
        <source>%1 parameters · %2 MACs · %3</source>
        <translation>%1 个参数 · %2 次乘加 (MACs) · %3</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="319"/>
        <location filename="../../gui/recovery.py" line="48"/>
        <source>The network cannot be built: %1</source>
        <translation>无法构建网络：%1</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="344"/>
        <source>Training: drawings are classified when the run pauses or ends.</source>
        <translation>训练中：运行暂停或结束后才会识别手写内容。</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="348"/>
        <source>No trained network yet: train it (F5) or load weights, then draw.</source>
        <translation>还没有训练好的网络：请先训练 (F5) 或加载权重，然后再手写。</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="351"/>
        <source>These weights are untrained: the guesses mean nothing yet.</source>
        <translation>这些权重尚未训练：目前的猜测没有意义。</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="400"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="401"/>
        <source>The language changes when netbuilder starts again.</source>
        <translation>语言将在 netbuilder 下次启动时更改。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="137"/>
        <source>About netbuilder</source>
        <translation>关于 netbuilder</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="117"/>
        <source>Stack layers into a torch.nn.Sequential, see the shapes that flow, and export readable PyTorch code.</source>
        <translation>将各层堆叠成 torch.nn.Sequential，查看张量形状如何流动，并导出易读的 PyTorch 代码。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="120"/>
        <source>netbuilder is free software under the MIT License.</source>
        <translation>netbuilder 是以 MIT 许可证发布的自由软件。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="122"/>
        <source>Embedded digits: the MNIST database (LeCun, Cortes, Burges; CC BY-SA 3.0).</source>
        <translation>内置手写数字：MNIST 数据库（LeCun、Cortes、Burges；CC BY-SA 3.0）。</translation>
    </message>
    <message>
        <location filename="../../gui/recovery.py" line="33"/>
        <source>an unsaved network</source>
        <translation>一个未保存的网络</translation>
    </message>
    <message>
        <location filename="../../gui/recovery.py" line="35"/>
        <source>Restore unsaved work?</source>
        <translation>恢复未保存的工作？</translation>
    </message>
    <message>
        <location filename="../../gui/recovery.py" line="36"/>
        <source>netbuilder did not close properly. Restore %1 as it was at %2?</source>
        <translation>netbuilder 上次未正常关闭。是否将 %1 恢复为 %2 时的状态？</translation>
    </message>
    <message>
        <location filename="../../gui/recovery.py" line="47"/>
        <source>Cannot restore</source>
        <translation>无法恢复</translation>
    </message>
    <message>
        <location filename="../../gui/theme.py" line="17"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../gui/theme.py" line="18"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="36"/>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="39"/>
        <source>New from &amp;Template…</source>
        <translation>从模板新建(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="43"/>
        <source>New &amp;Window</source>
        <translation>新建窗口(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="44"/>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="45"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="47"/>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="50"/>
        <source>&amp;Python code…</source>
        <translation>Python 代码(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="54"/>
        <source>&amp;Import PyTorch Model…</source>
        <translation>导入 PyTorch 模型(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="59"/>
        <source>Add Layers from &amp;File…</source>
        <translation>从文件添加层(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="66"/>
        <source>&amp;Weights (state_dict)…</source>
        <translation>权重 (state_dict)(&amp;W)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="71"/>
        <source>&amp;Training Script…</source>
        <translation>训练脚本(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="76"/>
        <source>&amp;Diagram (SVG, PNG)…</source>
        <translation>结构图 (SVG, PNG)(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="81"/>
        <source>&amp;ONNX…</source>
        <translation>ONNX(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="87"/>
        <source>Torch&amp;Script…</source>
        <translation>TorchScript(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="93"/>
        <source>torch.e&amp;xport Program…</source>
        <translation>torch.export 程序(&amp;X)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="99"/>
        <source>Save &amp;Checkpoint…</source>
        <translation>保存检查点(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="103"/>
        <source>&amp;Load Weights…</source>
        <translation>加载权重(&amp;L)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="107"/>
        <source>Open C&amp;heckpoint or Weights…</source>
        <translation>打开检查点或权重(&amp;H)…</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="110"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="178"/>
        <source>Group into &amp;Residual</source>
        <translation>组合为残差块(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="187"/>
        <source>Group into &amp;Parallel</source>
        <translation>组合为并行块(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="196"/>
        <source>Ungr&amp;oup</source>
        <translation>取消组合(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="226"/>
        <source>&amp;Getting Started</source>
        <translation>入门(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="228"/>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="294"/>
        <source>&amp;Layers</source>
        <translation>层(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="344"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="346"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="113"/>
        <source>Cu&amp;t</source>
        <translation>剪切(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="117"/>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="124"/>
        <source>&amp;Paste</source>
        <translation>粘贴(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="128"/>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="136"/>
        <source>D&amp;uplicate</source>
        <translation>创建副本(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="144"/>
        <source>Re&amp;name</source>
        <translation>重命名(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="152"/>
        <source>Move &amp;Up</source>
        <translation>上移(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="161"/>
        <source>Move Do&amp;wn</source>
        <translation>下移(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="170"/>
        <source>&amp;Group into Block</source>
        <translation>组合为块(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="204"/>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="230"/>
        <source>&amp;About netbuilder</source>
        <translation>关于 netbuilder(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="211"/>
        <source>&amp;Start Training</source>
        <translation>开始训练(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="215"/>
        <source>&amp;Pause / Resume</source>
        <translation>暂停 / 继续(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="221"/>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="224"/>
        <source>&amp;Reset Weights</source>
        <translation>重置权重(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="236"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="384"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="253"/>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="271"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="295"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="394"/>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="406"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="296"/>
        <source>&amp;Train</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="297"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../gui/actions.py" line="439"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
</context>
<context>
    <name>Palette</name>
    <message>
        <location filename="../../gui/network/palette.py" line="30"/>
        <source>Linear</source>
        <translation>线性</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="30"/>
        <source>Convolution</source>
        <translation>卷积</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="31"/>
        <source>Pooling</source>
        <translation>池化</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="31"/>
        <source>Normalization</source>
        <translation>归一化</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="32"/>
        <source>Dropout</source>
        <translation>Dropout（随机失活）</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="32"/>
        <source>Activation</source>
        <translation>激活</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="33"/>
        <source>Shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="33"/>
        <source>Recurrent</source>
        <translation>循环</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="34"/>
        <location filename="../../gui/network/palette.py" line="140"/>
        <source>Containers</source>
        <translation>容器</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="34"/>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="85"/>
        <source>Filter layers</source>
        <translation>筛选层</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="86"/>
        <source>Filter layers…</source>
        <translation>筛选层…</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="90"/>
        <source>Layer kinds</source>
        <translation>层类型</translation>
    </message>
    <message>
        <location filename="../../gui/network/palette.py" line="92"/>
        <source>Enter or Space adds the chosen kind after the selected card; Enter in the filter adds the first kind shown.</source>
        <translation>按 Enter 或空格键，将所选类型添加到选中卡片之后；在筛选框中按 Enter，添加显示的第一个类型。</translation>
    </message>
</context>
<context>
    <name>ParameterTree</name>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="122"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="122"/>
        <source>Kind / shape</source>
        <translation>类型 / 形状</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="122"/>
        <source>numel</source>
        <translation>元素数</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="122"/>
        <source>dtype</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="123"/>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="123"/>
        <location filename="../../gui/inspect/parameter_tree.py" line="368"/>
        <source>trainable</source>
        <translation>可训练</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="246"/>
        <source>model (%1)</source>
        <translation>模型 (%1)</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="268"/>
        <source>parameter %1</source>
        <translation>参数 %1</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="281"/>
        <source>buffer %1: saved in state_dict, not trained</source>
        <translation>缓冲区 %1：保存在 state_dict 中，不参与训练</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="283"/>
        <source>buffer %1: not trained, not saved in state_dict</source>
        <translation>缓冲区 %1：不参与训练，不保存在 state_dict 中</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="361"/>
        <source>buffer %1</source>
        <translation>缓冲区 %1</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="376"/>
        <source>Parameters: %1 total · %2 trainable · %3 frozen</source>
        <translation>参数：共 %1 个 · %2 个可训练 · %3 个已冻结</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="379"/>
        <source> · buffers: %1 values</source>
        <translation> · 缓冲区：%1 个值</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="255"/>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="119"/>
        <source>Modules and parameters</source>
        <translation>模块与参数</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="368"/>
        <source>frozen</source>
        <translation>已冻结</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/parameter_tree.py" line="374"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
</context>
<context>
    <name>PenStrengths</name>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="17"/>
        <source>Stroke</source>
        <translation>笔画</translation>
    </message>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="18"/>
        <source>Thicker or thinner strokes, as other pens draw them (0: off, 1: strongest)</source>
        <translation>更粗或更细的笔画，模拟其他笔的书写（0：关闭，1：最强）</translation>
    </message>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="20"/>
        <source>Blur</source>
        <translation>模糊</translation>
    </message>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="21"/>
        <source>Blur and ink intensity, as a scanner or camera gives them (0: off, 1: strongest)</source>
        <translation>模糊与墨迹浓淡，模拟扫描仪或相机的效果（0：关闭，1：最强）</translation>
    </message>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="23"/>
        <source>Elastic</source>
        <translation>弹性形变</translation>
    </message>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="24"/>
        <source>A smooth random warp, like another hand&apos;s writing (0: off, 1: strongest)</source>
        <translation>平滑的随机扭曲，模拟另一个人的笔迹（0：关闭，1：最强）</translation>
    </message>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="26"/>
        <source>Erase</source>
        <translation>擦除</translation>
    </message>
    <message>
        <location filename="../../gui/training/pen_strengths.py" line="27"/>
        <source>How often a random rectangle is blanked: for photos, not digits (0: off, 1: every image)</source>
        <translation>随机矩形被抹去的频率：用于照片，不用于数字（0：关闭，1：每张图像）</translation>
    </message>
</context>
<context>
    <name>PluginErrorsFooter</name>
    <message>
        <location filename="../../gui/network/plugin_errors.py" line="30"/>
        <location filename="../../gui/network/plugin_errors.py" line="77"/>
        <source>1 layer plugin could not be loaded</source>
        <translation>1 个层插件无法加载</translation>
    </message>
    <message>
        <location filename="../../gui/network/plugin_errors.py" line="32"/>
        <location filename="../../gui/network/plugin_errors.py" line="78"/>
        <source>%1 layer plugins could not be loaded</source>
        <translation>%1 个层插件无法加载</translation>
    </message>
    <message>
        <location filename="../../gui/network/plugin_errors.py" line="52"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../gui/network/plugin_errors.py" line="53"/>
        <source>Show why plugins could not be loaded</source>
        <translation>显示插件无法加载的原因</translation>
    </message>
    <message>
        <location filename="../../gui/network/plugin_errors.py" line="60"/>
        <source>Plugin errors</source>
        <translation>插件错误</translation>
    </message>
</context>
<context>
    <name>PropertiesPanel</name>
    <message>
        <location filename="../../gui/network/arg_text.py" line="48"/>
        <location filename="../../gui/network/arg_text.py" line="82"/>
        <source>an integer</source>
        <translation>一个整数</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="50"/>
        <source>a list of %1 integers</source>
        <translation>由 %1 个整数组成的列表</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="52"/>
        <location filename="../../gui/network/arg_text.py" line="93"/>
        <source>one of: %1</source>
        <translation>以下之一：%1</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="55"/>
        <source>nothing (none)</source>
        <translation>空 (None)</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="58"/>
        <source>%1 or %2</source>
        <translation>%1 或 %2</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="63"/>
        <source>expected %1, got %2</source>
        <translation>应为%1，实际为 %2</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="79"/>
        <source>a number</source>
        <translation>一个数字</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="87"/>
        <source>true or false</source>
        <translation>true 或 false</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="106"/>
        <source>a list of integers like 1, 28, 28</source>
        <translation>整数列表，例如 1, 28, 28</translation>
    </message>
    <message>
        <location filename="../../gui/network/arg_text.py" line="112"/>
        <source>a list of numbers like 0.49, 0.48, 0.45</source>
        <translation>数字列表,例如 0.49, 0.48, 0.45</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="185"/>
        <source>Select a layer to edit its arguments</source>
        <translation>选择一个层以编辑其构造参数</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="206"/>
        <source>The name in the state_dict and in generated code. Press Enter to rename.</source>
        <translation>在 state_dict 和生成代码中使用的名称。按 Enter 键重命名。</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="210"/>
        <location filename="../../gui/network/properties.py" line="211"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="219"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="226"/>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="227"/>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="228"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="234"/>
        <source>Frozen (not trained)</source>
        <translation>已冻结（不训练）</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="252"/>
        <source>Block (nn.Sequential)</source>
        <translation>块 (nn.Sequential)</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="253"/>
        <location filename="../../gui/network/properties.py" line="264"/>
        <source>Contents</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="254"/>
        <source>Freeze or unfreeze every layer of the block</source>
        <translation>冻结或解冻块中的每一层</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="261"/>
        <source>Residual: y = activation(body(x) + shortcut(x))</source>
        <translation>残差块：y = activation(body(x) + shortcut(x))</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="262"/>
        <source>Parallel: branches on the same input, merged</source>
        <translation>并行块：各分支读取同一输入，再合并</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="265"/>
        <source>Freeze or unfreeze every layer inside</source>
        <translation>冻结或解冻其中的每一层</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="270"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="274"/>
        <source>Applied after the sum</source>
        <translation>在求和之后应用</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="276"/>
        <source>Residual activation</source>
        <translation>残差块激活函数</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="277"/>
        <source>After the sum</source>
        <translation>求和之后</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="278"/>
        <source>Add a projection to the shortcut</source>
        <translation>为捷径添加投影层</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="280"/>
        <source>A 1×1 convolution (or a Linear) that gives the shortcut the body&apos;s shape</source>
        <translation>一个 1×1 卷积（或 Linear），使捷径的形状与主体一致</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="283"/>
        <source>Add projection</source>
        <translation>添加投影层</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="288"/>
        <source>concatenate</source>
        <translation>拼接</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="288"/>
        <source>sum</source>
        <translation>求和</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="288"/>
        <source>mean</source>
        <translation>平均</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="293"/>
        <source>Parallel merge</source>
        <translation>并行块合并方式</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="294"/>
        <source>Merge</source>
        <translation>合并方式</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="300"/>
        <source>The dimension to concatenate along: 1 is the channels of an image or the features of a vector</source>
        <translation>沿哪个维度拼接：1 表示图像的通道或向量的特征</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="303"/>
        <source>Parallel dimension</source>
        <translation>并行块维度</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="304"/>
        <source>Dimension</source>
        <translation>维度</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="305"/>
        <location filename="../../gui/network/properties.py" line="308"/>
        <source>Add branch</source>
        <translation>添加分支</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="309"/>
        <source>Remove last branch</source>
        <translation>删除最后一个分支</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="313"/>
        <source>Remove branch</source>
        <translation>删除分支</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="330"/>
        <source>Unknown layer kind</source>
        <translation>未知的层类型</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="335"/>
        <source>Keep this layer&apos;s parameters fixed while training</source>
        <translation>训练时保持该层的参数不变</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="337"/>
        <source>Arguments</source>
        <translation>构造参数</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="343"/>
        <source>This layer has no arguments.</source>
        <translation>该层没有构造参数。</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="352"/>
        <source> (required)</source>
        <translation>（必填）</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="355"/>
        <source>Always written in generated code</source>
        <translation>总会写入生成的代码</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="383"/>
        <source>empty: none</source>
        <translation>留空：None</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="423"/>
        <location filename="../../gui/network/properties.py" line="427"/>
        <location filename="../../gui/network/properties.py" line="429"/>
        <source>Error: </source>
        <translation>错误：</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="423"/>
        <source>Warning: </source>
        <translation>警告：</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="439"/>
        <source>(%1 frozen)</source>
        <translation>（%1 个已冻结）</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="446"/>
        <source>1 layer</source>
        <translation>1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="446"/>
        <source>%1 layers</source>
        <translation>%1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="448"/>
        <source>1 inner block</source>
        <translation>1 个内部块</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="448"/>
        <source>%1 inner blocks</source>
        <translation>%1 个内部块</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="490"/>
        <source>Set %1</source>
        <translation>设置 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="538"/>
        <source>Freeze %1</source>
        <translation>冻结 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="538"/>
        <source>Unfreeze %1</source>
        <translation>解冻 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/properties.py" line="579"/>
        <source>Rename %1 to %2</source>
        <translation>将 %1 重命名为 %2</translation>
    </message>
</context>
<context>
    <name>ReconcileDialog</name>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="30"/>
        <source>matching</source>
        <translation>匹配</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="31"/>
        <source>missing</source>
        <translation>缺失</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="32"/>
        <source>unexpected</source>
        <translation>多余</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="33"/>
        <source>shape mismatch</source>
        <translation>形状不符</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="42"/>
        <source>Load weights from %1</source>
        <translation>从 %1 加载权重</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="46"/>
        <source>1 key matches.</source>
        <translation>1 个键匹配。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="46"/>
        <source>%1 keys match.</source>
        <translation>%1 个键匹配。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="47"/>
        <source>1 is missing from the file,</source>
        <translation>1 个在文件中缺失,</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="48"/>
        <source>%1 are missing from the file,</source>
        <translation>%1 个在文件中缺失,</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="49"/>
        <source>1 is not in the network,</source>
        <translation>1 个不在网络中,</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="50"/>
        <source>%1 are not in the network,</source>
        <translation>%1 个不在网络中,</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="51"/>
        <source>1 has another shape.</source>
        <translation>1 个形状不同。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="52"/>
        <source>%1 have other shapes.</source>
        <translation>%1 个形状不同。</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="56"/>
        <source>Keys of the network and the file</source>
        <translation>网络与文件的键</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="58"/>
        <source>Key</source>
        <translation>键</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="58"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="59"/>
        <source>In the network</source>
        <translation>网络中</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="59"/>
        <source>In the file</source>
        <translation>文件中</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="76"/>
        <source>Strict</source>
        <translation>严格加载</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="78"/>
        <source>Load only if every key and shape fits</source>
        <translation>仅当所有键和形状都匹配时才加载</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="80"/>
        <source>Load matching</source>
        <translation>加载匹配项</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/weights.py" line="83"/>
        <source>Load the %1 matching keys; leave the rest as they are</source>
        <translation>加载 %1 个匹配的键；其余保持不变</translation>
    </message>
</context>
<context>
    <name>RegressionView</name>
    <message>
        <location filename="../../gui/training/regression_view.py" line="35"/>
        <source>Predicted against true</source>
        <translation>预测值与真实值</translation>
    </message>
    <message>
        <location filename="../../gui/training/regression_view.py" line="37"/>
        <location filename="../../gui/training/regression_view.py" line="80"/>
        <source>Predicted against true, one point per validation row</source>
        <translation>预测值对真实值,每个验证行一个点</translation>
    </message>
    <message>
        <location filename="../../gui/training/regression_view.py" line="54"/>
        <source>Validation R² %1 · RMSE %2 · MAE %3 · loss %4</source>
        <translation>验证 R² %1 · RMSE %2 · MAE %3 · 损失 %4</translation>
    </message>
    <message>
        <location filename="../../gui/training/regression_view.py" line="67"/>
        <source>true %1</source>
        <translation>真实 %1</translation>
    </message>
    <message>
        <location filename="../../gui/training/regression_view.py" line="68"/>
        <source>predicted %1</source>
        <translation>预测 %1</translation>
    </message>
</context>
<context>
    <name>RunsPanel</name>
    <message>
        <location filename="../../gui/training/runs.py" line="26"/>
        <source> — val acc %1 after %2 ep.</source>
        <translation> — 验证准确率 %1（%2 轮后）</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs.py" line="29"/>
        <source> (stopped)</source>
        <translation>（已停止）</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs.py" line="31"/>
        <source> (failed)</source>
        <translation>（失败）</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs.py" line="46"/>
        <source>Training runs</source>
        <translation>训练运行记录</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs.py" line="47"/>
        <source>Remove selected run</source>
        <translation>删除所选运行</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs.py" line="50"/>
        <source>Tick runs to compare their curves:</source>
        <translation>勾选运行以比较其曲线：</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <location filename="../../gui/model/session.py" line="175"/>
        <source>the trained weights from %1</source>
        <translation>来自 %1 的训练权重</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="176"/>
        <source>training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="178"/>
        <source>changes to the network</source>
        <translation>对网络的更改</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="181"/>
        <source>1 training run</source>
        <translation>1 次训练运行</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="181"/>
        <source>%1 training runs</source>
        <translation>%1 次训练运行</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="183"/>
        <source>changes to the run history</source>
        <translation>对运行历史的更改</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="185"/>
        <source>training settings</source>
        <translation>训练设置</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="188"/>
        <source>1 drawn example</source>
        <translation>1 个手绘样本</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="189"/>
        <source>%1 drawn examples</source>
        <translation>%1 个手绘样本</translation>
    </message>
    <message>
        <location filename="../../gui/model/session.py" line="191"/>
        <source>changes</source>
        <translation>更改</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location filename="../../gui/dialogs/help.py" line="72"/>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="85"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="86"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/help.py" line="86"/>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
</context>
<context>
    <name>StackView</name>
    <message>
        <location filename="../../gui/network/stack_view.py" line="233"/>
        <source>Network stack</source>
        <translation>网络层堆栈</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="235"/>
        <source>The layers of the network, top to bottom. Add layers from the Layers panel (Ctrl+1, then Enter). F2 renames, Delete removes, Alt+Up and Alt+Down move, Ctrl+Z undoes.</source>
        <translation>网络的各层，自上而下。从“层”面板添加层（Ctrl+1，然后按 Enter）。F2 重命名，Delete 删除，Alt+Up 和 Alt+Down 移动，Ctrl+Z 撤销。</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="473"/>
        <source>Drag layers here from the palette, or double-click one</source>
        <translation>把层从面板拖到这里,或双击一个层</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="504"/>
        <source>1 layer</source>
        <translation>1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="505"/>
        <source>%1 layers</source>
        <translation>%1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="507"/>
        <source>Move %1</source>
        <translation>移动 %1</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="515"/>
        <source>Insert 1 layer</source>
        <translation>插入 1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="516"/>
        <source>Insert %1 layers</source>
        <translation>插入 %1 层</translation>
    </message>
    <message>
        <location filename="../../gui/network/stack_view.py" line="553"/>
        <source>Insert %1</source>
        <translation>插入 %1</translation>
    </message>
</context>
<context>
    <name>SummaryPanel</name>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="62"/>
        <source>Shape of one sample, without the batch: channels, height, width</source>
        <translation>单个样本的形状（不含批维度）：通道、高、宽</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="67"/>
        <source>not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="88"/>
        <source>Put a Normalize layer first: it subtracts each channel&apos;s mean and divides by its standard deviation, measured on the training images, so the weights still take images in [0, 1]</source>
        <translation>在最前面加入 Normalize 层:它减去每个通道的均值并除以其标准差(在训练图像上测得),这样权重仍然接受 [0, 1] 范围内的图像</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="57"/>
        <location filename="../../gui/network/summary_panel.py" line="98"/>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="79"/>
        <source>Estimated from the shapes, in float32 (4 bytes a value). Forward: the most activations alive at once when the network classifies a batch, weights not included. Training step: weights, gradients, the optimizer&apos;s state (Adam keeps 2 values per weight) and the activations kept for the backward pass. Kernels&apos; scratch space and the allocator&apos;s rounding are not counted.</source>
        <translation>根据形状估算，按 float32 计（每个值 4 字节）。前向：网络对一个批次分类时同时存在的最多激活值，不含权重。训练步：权重、梯度、优化器状态（Adam 每个权重保存 2 个值）以及为反向传播保留的激活值。不计算内核的临时空间和分配器的取整。</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="99"/>
        <source>Input shape</source>
        <translation>输入形状</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="101"/>
        <source>Classes</source>
        <translation>类别数</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="107"/>
        <source>Problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="158"/>
        <source>&lt;b&gt;%1&lt;/b&gt; parameters (%2 trainable, %3 frozen)</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; 个参数（%2 个可训练，%3 个已冻结）</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="161"/>
        <source>&lt;b&gt;%1&lt;/b&gt; MACs per sample · %2 MB</source>
        <translation>每个样本 &lt;b&gt;%1&lt;/b&gt; 次乘加 (MACs) · %2 MB</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="163"/>
        <source>output %1 · &lt;span style=&apos;color:%2&apos;&gt;%3&lt;/span&gt; · &lt;span style=&apos;color:%4&apos;&gt;%5&lt;/span&gt;</source>
        <translation>输出 %1 · &lt;span style=&apos;color:%2&apos;&gt;%3&lt;/span&gt; · &lt;span style=&apos;color:%4&apos;&gt;%5&lt;/span&gt;</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="166"/>
        <source>1 error</source>
        <translation>1 个错误</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="166"/>
        <source>%1 errors</source>
        <translation>%1 个错误</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="168"/>
        <source>1 warning</source>
        <translation>1 个警告</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="168"/>
        <source>%1 warnings</source>
        <translation>%1 个警告</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="180"/>
        <source>No problems found.</source>
        <translation>未发现问题。</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="208"/>
        <source>Memory (batch %1): unknown until the shapes fit</source>
        <translation>内存（批大小 %1）：形状匹配之前未知</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="211"/>
        <source>Memory (batch %1): forward %2, training step %3</source>
        <translation>内存（批大小 %1）：前向 %2，训练步 %3</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="230"/>
        <location filename="../../gui/network/summary_panel.py" line="242"/>
        <source>Use the shape of %1</source>
        <translation>使用 %1 的形状</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="253"/>
        <source>Normalize the input (mean %1)</source>
        <translation>归一化输入(均值 %1)</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="270"/>
        <source>Normalize the input</source>
        <translation>归一化输入</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="283"/>
        <source>expected 1 to 6 integers ≥ 1 separated by commas, e.g. 1, 28, 28</source>
        <translation>应为 1 到 6 个 ≥ 1 的整数，以逗号分隔，例如 1, 28, 28</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="294"/>
        <source>Set input shape</source>
        <translation>设置输入形状</translation>
    </message>
    <message>
        <location filename="../../gui/network/summary_panel.py" line="300"/>
        <source>Set number of classes</source>
        <translation>设置类别数</translation>
    </message>
</context>
<context>
    <name>TemplateDialog</name>
    <message>
        <location filename="../../gui/dialogs/template.py" line="27"/>
        <source>New from Template</source>
        <translation>从模板新建</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/template.py" line="31"/>
        <source>Templates</source>
        <translation>模板</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/template.py" line="37"/>
        <source>The template&apos;s PyTorch code</source>
        <translation>模板的 PyTorch 代码</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/template.py" line="73"/>
        <source>&lt;b&gt;%1&lt;/b&gt; — %2&lt;br&gt;%3 layers · %4 parameters · input %5 → output %6</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — %2&lt;br&gt;%3 层 · %4 个参数 · 输入 %5 → 输出 %6</translation>
    </message>
</context>
<context>
    <name>TensorInspector</name>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="87"/>
        <source>Mean</source>
        <translation>均值</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="87"/>
        <source>Std</source>
        <translation>标准差</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="88"/>
        <source>Min</source>
        <translation>最小值</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="88"/>
        <source>Max</source>
        <translation>最大值</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="89"/>
        <source>L2 norm</source>
        <translation>L2 范数</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="89"/>
        <source>Last gradient norm</source>
        <translation>最近一次梯度范数</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="98"/>
        <source>Histogram of the values</source>
        <translation>数值直方图</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="103"/>
        <source>Histogram of the values (%1 bins)</source>
        <translation>数值直方图（%1 个区间）</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="120"/>
        <source>Filters as images</source>
        <translation>以图像显示的卷积核</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="133"/>
        <source>Values as a heat map</source>
        <translation>以热力图显示的数值</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="204"/>
        <source>%1 · %2 value · %3 · %4</source>
        <translation>%1 · %2 个值 · %3 · %4</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="205"/>
        <source>%1 · %2 values · %3 · %4</source>
        <translation>%1 · %2 个值 · %3 · %4</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="253"/>
        <source>%1 NaN and %2 infinite values are left out of the statistics</source>
        <translation>统计中略去了 %1 个 NaN 和 %2 个无穷值</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="274"/>
        <source>%1 filters, each averaged over its input channels and scaled on its own</source>
        <translation>%1 个卷积核，各自在输入通道上取平均并单独缩放</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="277"/>
        <source> (first %1 of %2)</source>
        <translation>（共 %2 个，显示前 %1 个）</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="289"/>
        <source> (averaged down to %1 × %2)</source>
        <translation>（平均缩减为 %1 × %2）</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="137"/>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="138"/>
        <source>input</source>
        <translation>输入</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="182"/>
        <source>Select a parameter or buffer</source>
        <translation>选择一个参数或缓冲区</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="199"/>
        <source>No tensor of this name in the model.</source>
        <translation>模型中没有该名称的张量。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="232"/>
        <source>A meta tensor has a shape but no values.</source>
        <translation>meta 张量只有形状，没有数值。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="234"/>
        <source>Empty tensor.</source>
        <translation>空张量。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="236"/>
        <source>Not a floating-point tensor: no histogram.</source>
        <translation>不是浮点张量：无直方图。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="238"/>
        <source>Complex tensor: statistics of the magnitudes.</source>
        <translation>复数张量：统计的是模长。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/tensor_inspector.py" line="287"/>
        <source>rows: outputs, columns: inputs; colours centred at 0</source>
        <translation>行：输出，列：输入；颜色以 0 为中心</translation>
    </message>
</context>
<context>
    <name>TrainingController</name>
    <message>
        <location filename="../../gui/controllers/training.py" line="183"/>
        <source>The network cannot run yet: %1</source>
        <translation>网络还无法运行：%1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="190"/>
        <source>Choose an image folder first.</source>
        <translation>请先选择一个图像文件夹。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="196"/>
        <source>The network takes input %1, but the rows of %2 have %3 features.</source>
        <translation>网络的输入是 %1,但 %2 的每行有 %3 个特征。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="198"/>
        <source>The network takes input %1, but %2 images are %3.</source>
        <translation>网络的输入为 %1，但 %2 的图像是 %3。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="232"/>
        <source>Run %1 · %2, lr %3</source>
        <translation>运行 %1 · %2，学习率 %3</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="254"/>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="296"/>
        <source>Weights reset: the network is untrained.</source>
        <translation>权重已重置：网络处于未训练状态。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="312"/>
        <source>%1, epoch %2</source>
        <translation>%1，第 %2 轮</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="317"/>
        <source>Using the weights of epoch %1 (validation accuracy %2).</source>
        <translation>正在使用第 %1 轮的权重（验证准确率 %2）。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="327"/>
        <source>Use best epoch (%1, val acc %2)</source>
        <translation>使用最佳轮次（%1，验证准确率 %2）</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="340"/>
        <source>A run is going on.</source>
        <translation>有一次运行正在进行。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="342"/>
        <source>Add a few labelled drawings first.</source>
        <translation>请先添加几个已标注的手写样本。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="357"/>
        <source>Fine-tune on %1 drawn examples</source>
        <translation>在 %1 个手写样本上微调</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="405"/>
        <source>The target is a number (a regression): training with the %1 loss.</source>
        <translation>目标是数值(回归):使用 %1 损失训练。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="453"/>
        <source>Training on %1 (%2 images)…</source>
        <translation>正在 %1 上训练（%2 张图像）…</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="532"/>
        <source>Finished: validation R² %1 after %2 epochs.</source>
        <translation>完成:%2 轮后验证 R² 为 %1。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="537"/>
        <source>%1 Training log: %2</source>
        <translation>%1 训练日志：%2</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="547"/>
        <source>%1. Start (F5) continues this run where it stopped.</source>
        <translation>%1。开始 (F5) 将从停止处继续本次运行。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="555"/>
        <source>Training log: %1</source>
        <translation>训练日志：%1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="431"/>
        <source>Epoch %1, step %2: loss %3</source>
        <translation>第 %1 轮，第 %2 步：损失 %3</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="130"/>
        <source>Trained weights from %1.</source>
        <translation>来自 %1 的训练权重。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="461"/>
        <source>Paused at epoch %1, step %2.</source>
        <translation>已暂停于第 %1 轮，第 %2 步。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training.py" line="533"/>
        <source>Finished: validation accuracy %1 after %2 epochs.</source>
        <translation>完成：%2 轮后验证集准确率为 %1。</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <location filename="../../gui/training/panel.py" line="80"/>
        <source>Image folder…</source>
        <translation>图像文件夹…</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="81"/>
        <source>CSV table…</source>
        <translation>CSV 表格…</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="85"/>
        <source>one sub-folder per class</source>
        <translation>每个类别一个子文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="89"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="91"/>
        <source>Images become this many pixels square (automatic: the median of their shorter sides, at most 64)</source>
        <translation>图像变为这个边长(像素)的正方形(自动:取各图像短边的中位数,最大 64)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="95"/>
        <source>resize to a square</source>
        <translation>缩放为正方形</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="96"/>
        <source>crop the centre square</source>
        <translation>裁剪中心正方形</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="100"/>
        <source>as the images are</source>
        <translation>与图像一致</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="100"/>
        <source>colour (RGB)</source>
        <translation>彩色(RGB)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="100"/>
        <source>grayscale</source>
        <translation>灰度</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="106"/>
        <source>one row per example, a header row</source>
        <translation>每行一个样本,首行为表头</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="109"/>
        <source>The column to predict; every other column is an input</source>
        <translation>要预测的列;其余各列都是输入</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="112"/>
        <source>decided by the target</source>
        <translation>由目标列决定</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="112"/>
        <source>classification</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="113"/>
        <source>regression (a number)</source>
        <translation>回归(数值)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="115"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="117"/>
        <source>Fetch this dataset with torchvision into the data folder (needs the internet once)</source>
        <translation>用 torchvision 将该数据集下载到数据文件夹（仅首次需要联网）</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="120"/>
        <source>Random rotation, scale, shift</source>
        <translation>随机旋转、缩放、平移</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="122"/>
        <source>Each batch is randomly rotated, scaled and shifted, then given each pen effect below whose strength is above 0</source>
        <translation>每个批次先随机旋转、缩放和平移，再施加下面强度大于 0 的每种笔迹效果</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="134"/>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="135"/>
        <source>Stop early when the validation loss has not improved for this many epochs (off: run every epoch)</source>
        <translation>验证损失连续这么多轮没有改善时提前停止（关闭：运行所有轮次）</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="143"/>
        <source>Fresh weights (else continue)</source>
        <translation>全新权重（否则继续训练）</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="144"/>
        <source>Start the run from newly initialised weights instead of continuing from the current ones</source>
        <translation>从重新初始化的权重开始本次运行，而不是在当前权重上继续</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="148"/>
        <source>Start (F5)</source>
        <translation>开始 (F5)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="150"/>
        <location filename="../../gui/training/panel.py" line="429"/>
        <source>Pause (F6)</source>
        <translation>暂停 (F6)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="152"/>
        <source>Stop (Shift+F5)</source>
        <translation>停止 (Shift+F5)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="154"/>
        <source>Reset weights</source>
        <translation>重置权重</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="158"/>
        <source>Put the weights of the run&apos;s epoch with the lowest validation loss into the network</source>
        <translation>将本次运行中验证损失最低的轮次的权重放入网络</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="165"/>
        <source>Not trained yet.</source>
        <translation>尚未训练。</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="173"/>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="174"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="175"/>
        <source>Image size</source>
        <translation>图像尺寸</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="176"/>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="177"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="178"/>
        <source>Table</source>
        <translation>表格</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="179"/>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="180"/>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="182"/>
        <source>Validation share</source>
        <translation>验证集比例</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="183"/>
        <source>Augmentation</source>
        <translation>数据增强</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="184"/>
        <source>Pen effects</source>
        <translation>笔迹效果</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="185"/>
        <source>Loss</source>
        <translation>损失函数</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="186"/>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="187"/>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="188"/>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="189"/>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="190"/>
        <source>Epochs</source>
        <translation>轮次</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="191"/>
        <source>Early stopping</source>
        <translation>提前停止</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="192"/>
        <source>LR schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="193"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="194"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="196"/>
        <source>Training log</source>
        <translation>训练日志</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="317"/>
        <source>Image folder (one sub-folder per class)</source>
        <translation>图像文件夹（每个类别一个子文件夹）</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="324"/>
        <source>CSV table (one row per example)</source>
        <translation>CSV 表格(每行一个样本)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="325"/>
        <source>CSV tables (*.csv);;All files (*)</source>
        <translation>CSV 表格 (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="429"/>
        <source>Resume (F6)</source>
        <translation>继续 (F6)</translation>
    </message>
    <message>
        <location filename="../../gui/training/panel.py" line="471"/>
        <source>Epoch %1/%2 · step %3/%4 · %5 samples/s · %6 elapsed · %7 left</source>
        <translation>第 %1/%2 轮 · 第 %3/%4 步 · %5 样本/秒 · 已用 %6 · 剩余 %7</translation>
    </message>
</context>
<context>
    <name>TrainingPlots</name>
    <message>
        <location filename="../../gui/training/plots.py" line="144"/>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="145"/>
        <location filename="../../gui/training/plots.py" line="152"/>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="146"/>
        <location filename="../../gui/training/plots.py" line="279"/>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="147"/>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="151"/>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="162"/>
        <source>batch loss</source>
        <translation>批损失</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="164"/>
        <source>smoothed</source>
        <translation>平滑后</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="167"/>
        <source>train loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../../gui/training/plot_readout.py" line="79"/>
        <location filename="../../gui/training/plots.py" line="169"/>
        <source>val loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="170"/>
        <location filename="../../gui/training/plots.py" line="283"/>
        <source>train acc</source>
        <translation>训练准确率</translation>
    </message>
    <message>
        <location filename="../../gui/training/plot_readout.py" line="81"/>
        <location filename="../../gui/training/plots.py" line="172"/>
        <location filename="../../gui/training/plots.py" line="285"/>
        <source>val acc</source>
        <translation>验证准确率</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="126"/>
        <source>Loss and accuracy curves</source>
        <translation>损失与准确率曲线</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="191"/>
        <source>Log scale</source>
        <translation>对数坐标</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="193"/>
        <source>Logarithmic y axis on the loss and learning-rate plots</source>
        <translation>损失图和学习率图的 y 轴使用对数刻度</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="197"/>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="200"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="205"/>
        <source>Point under the pointer</source>
        <translation>指针下的点</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="279"/>
        <source>R²</source>
        <translation>R²</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="282"/>
        <source>train R²</source>
        <translation>训练 R²</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="284"/>
        <source>val R²</source>
        <translation>验证 R²</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="405"/>
        <source>run %1</source>
        <translation>运行 %1</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="428"/>
        <source>Could not write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <location filename="../../gui/training/plot_readout.py" line="42"/>
        <source>step %1: loss %2 (smoothed %3)</source>
        <translation>第 %1 步：损失 %2（平滑后 %3）</translation>
    </message>
    <message>
        <location filename="../../gui/training/plot_readout.py" line="48"/>
        <source>epoch %1 (step %2): train loss %3, val loss %4</source>
        <translation>第 %1 轮（第 %2 步）：训练损失 %3，验证损失 %4</translation>
    </message>
    <message>
        <location filename="../../gui/training/plot_readout.py" line="53"/>
        <source>epoch %1: train acc %2, val acc %3</source>
        <translation>第 %1 轮：训练准确率 %2，验证准确率 %3</translation>
    </message>
    <message>
        <location filename="../../gui/training/plot_readout.py" line="57"/>
        <source>step %1: lr %2</source>
        <translation>第 %1 步：学习率 %2</translation>
    </message>
    <message>
        <location filename="../../gui/training/plot_readout.py" line="89"/>
        <source>%1, epoch %2: %3 %4</source>
        <translation>%1，第 %2 轮：%3 %4</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="572"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="573"/>
        <source>Could not write %1:
%2</source>
        <translation>无法写入 %1：
%2</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="577"/>
        <source>Export plots as PNG</source>
        <translation>将图表导出为 PNG</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="577"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="584"/>
        <source>Export curves as CSV</source>
        <translation>将曲线导出为 CSV</translation>
    </message>
    <message>
        <location filename="../../gui/training/plots.py" line="584"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
</context>
<context>
    <name>TrainingWorker</name>
    <message>
        <location filename="../../gui/controllers/training_worker.py" line="84"/>
        <source>training stopped by an unexpected error: %1</source>
        <translation>训练因意外错误而停止：%1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training_worker.py" line="175"/>
        <location filename="../../gui/controllers/training_worker.py" line="210"/>
        <source>evaluation failed: %1</source>
        <translation>评估失败：%1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/training_worker.py" line="235"/>
        <source>loading %1 failed: %2</source>
        <translation>加载 %1 失败：%2</translation>
    </message>
</context>
<context>
    <name>TryPanel</name>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="131"/>
        <source>Open Image…</source>
        <translation>打开图像…</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="133"/>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="135"/>
        <source>Paste an image from the clipboard (Ctrl+V)</source>
        <translation>从剪贴板粘贴图像(Ctrl+V)</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="142"/>
        <source>The image exactly as the network receives it</source>
        <translation>网络实际接收到的图像</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="146"/>
        <source>Show saliency</source>
        <translation>显示显著性</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="148"/>
        <source>Where a change of the input would change the top class most</source>
        <translation>输入在哪些位置变化时，对最高得分类别的影响最大</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_table.py" line="74"/>
        <source>Predict</source>
        <translation>预测</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_table.py" line="45"/>
        <source>The table&apos;s preprocessing cannot be used: %1</source>
        <translation>无法使用该表格的预处理:%1</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_table.py" line="49"/>
        <source>The network takes %1 inputs, but the table&apos;s rows make %2 features: train it on the table again.</source>
        <translation>网络接受 %1 个输入,但表格每行产生 %2 个特征:请在该表格上重新训练。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="129"/>
        <source>Try an image: open, drop or paste one</source>
        <translation>试用图像：打开、拖放或粘贴一张</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="276"/>
        <source>Train the network on the table first: the form needs its columns.</source>
        <translation>请先在表格上训练网络:表单需要它的列。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="279"/>
        <source>This network takes %1 inputs: neither an image (1 or 3 channels × height × width) nor a table row.</source>
        <translation>该网络的输入为 %1:既不是图像(1 或 3 通道 × 高 × 宽)也不是表格行。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="298"/>
        <source>The network is training: try it when the run pauses or ends.</source>
        <translation>网络正在训练:请在训练暂停或结束后试用。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="300"/>
        <source>No trained network yet: train it first (F5) or load weights, then try it here.</source>
        <translation>还没有训练好的网络:请先训练(F5)或加载权重,然后在这里试用。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="303"/>
        <source>These weights are untrained: the answers mean nothing yet.</source>
        <translation>这些权重尚未训练:结果还没有意义。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="326"/>
        <source>Open Image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="327"/>
        <source>Images (%1);;All files (*)</source>
        <translation>图像 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="350"/>
        <source>the pasted image</source>
        <translation>粘贴的图像</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="355"/>
        <source>The clipboard holds no image.</source>
        <translation>剪贴板中没有图像。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="363"/>
        <source>%1 cannot be read as an image.</source>
        <translation>无法将 %1 读取为图像。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="401"/>
        <source>Drop an image here, open one or paste one (Ctrl+V).</source>
        <translation>把图像拖到这里、打开一张或粘贴一张(Ctrl+V)。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="425"/>
        <source>%1 (%2×%3 pixels) as the network receives it: %4×%5, %6, %7.</source>
        <translation>%1(%2×%3 像素)在网络中的样子:%4×%5,%6,%7。</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="427"/>
        <source>in colour</source>
        <translation>彩色</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="427"/>
        <source>in grey</source>
        <translation>灰度</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="428"/>
        <source>centre cropped</source>
        <translation>中心裁剪</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="428"/>
        <source>resized to fit</source>
        <translation>缩放适配</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="441"/>
        <location filename="../../gui/inspect/try_table.py" line="144"/>
        <source>The network cannot take this input: %1</source>
        <translation>网络无法接受这个输入:%1</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="482"/>
        <source>the dropped image</source>
        <translation>拖入的图像</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_table.py" line="107"/>
        <source>One of the %1 values the training rows had</source>
        <translation>训练行中出现过的 %1 个取值之一</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_table.py" line="112"/>
        <source>a number, e.g. %1</source>
        <translation>一个数字,例如 %1</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_table.py" line="114"/>
        <source>A number; the training rows&apos; mean is %1 and their standard deviation %2</source>
        <translation>一个数字;训练行的均值为 %1,标准差为 %2</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_table.py" line="124"/>
        <source>Fill in one row of the table to predict %1:</source>
        <translation>填写表格的一行以预测 %1:</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="525"/>
        <source>Predicted %1: %2</source>
        <translation>预测的 %1:%2</translation>
    </message>
    <message>
        <location filename="../../gui/inspect/try_image.py" line="532"/>
        <source>… and %1 more classes</source>
        <translation>… 以及另外 %1 个类别</translation>
    </message>
</context>
<context>
    <name>WeightsController</name>
    <message>
        <location filename="../../gui/controllers/weights.py" line="28"/>
        <source>Export untrained weights?</source>
        <translation>导出未训练的权重？</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="29"/>
        <source>This network has not been trained, and no weights were loaded into it. The file would hold its random initial weights, whose outputs mean nothing yet.

Train it (F5) or load weights first, or export the initial weights anyway.</source>
        <translation>这个网络还没有训练过，也没有加载权重。文件中将是随机的初始权重，它们的输出目前没有意义。

请先训练 (F5) 或加载权重，或者仍然导出初始权重。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="36"/>
        <source>Export Anyway</source>
        <translation>仍然导出</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="75"/>
        <source>PyTorch weights (*.pth *.pt)</source>
        <translation>PyTorch 权重 (*.pth *.pt)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="83"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="84"/>
        <source>Stop the run first: the weights are changing.</source>
        <translation>请先停止本次运行：权重正在变化。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="99"/>
        <location filename="../../gui/controllers/weights.py" line="153"/>
        <location filename="../../gui/controllers/weights.py" line="195"/>
        <location filename="../../gui/controllers/weights.py" line="201"/>
        <source>Cannot export</source>
        <translation>无法导出</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="100"/>
        <source>The shapes do not fit together yet:
%1</source>
        <translation>形状尚不匹配：
%1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="117"/>
        <source>The network cannot be built: %1</source>
        <translation>无法构建网络：%1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="128"/>
        <source>%1 could not be written: %2. The file that was there is unchanged.</source>
        <translation>无法写入 %1：%2。原有文件保持不变。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="140"/>
        <source>Export Python code</source>
        <translation>导出 Python 代码</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="141"/>
        <location filename="../../gui/controllers/weights.py" line="179"/>
        <source>Python (*.py)</source>
        <translation>Python (*.py)</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="155"/>
        <source>Wrote %1</source>
        <translation>已写入 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="161"/>
        <source>Export weights</source>
        <translation>导出权重</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="169"/>
        <location filename="../../gui/controllers/weights.py" line="173"/>
        <source>Cannot export weights</source>
        <translation>无法导出权重</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="174"/>
        <source>Wrote %1 (plain state_dict)</source>
        <translation>已写入 %1（纯 state_dict）</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="178"/>
        <source>Export training script</source>
        <translation>导出训练脚本</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="202"/>
        <source>Wrote %1 — run it with python or torchrun</source>
        <translation>已写入 %1 — 可用 python 或 torchrun 运行</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="211"/>
        <source>Export %1</source>
        <translation>导出 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="223"/>
        <location filename="../../gui/controllers/weights.py" line="230"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="237"/>
        <source>

Note: these weights are untrained.</source>
        <translation>

注意：这些权重尚未训练。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="238"/>
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="246"/>
        <source>Save checkpoint</source>
        <translation>保存检查点</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="255"/>
        <location filename="../../gui/controllers/weights.py" line="267"/>
        <source>Cannot save checkpoint</source>
        <translation>无法保存检查点</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="268"/>
        <source>Wrote %1 (full checkpoint)</source>
        <translation>已写入 %1（完整检查点）</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="271"/>
        <source>Load weights into this network</source>
        <translation>将权重加载到此网络</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="284"/>
        <location filename="../../gui/controllers/weights.py" line="302"/>
        <location filename="../../gui/controllers/weights.py" line="312"/>
        <source>Cannot load weights</source>
        <translation>无法加载权重</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="293"/>
        <source>Weights hold NaN or infinity</source>
        <translation>权重含有 NaN 或无穷大</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="294"/>
        <source>%1 holds NaN or infinite values in %2. The network&apos;s outputs will not be numbers until it is trained again or other weights are loaded.</source>
        <translation>%1 的 %2 中含有 NaN 或无穷大的值。在重新训练或加载其他权重之前，网络的输出都不是有效数字。</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="318"/>
        <source>Loaded all %1 tensors from %2</source>
        <translation>已从 %2 加载全部 %1 个张量</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="322"/>
        <source>Loaded %1 matching tensors from %2; %3 left as they were</source>
        <translation>已从 %2 加载 %1 个匹配的张量；%3 个保持不变</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="327"/>
        <source>Open checkpoint or weights</source>
        <translation>打开检查点或权重</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="338"/>
        <source>Cannot open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="359"/>
        <source>Opened checkpoint %1</source>
        <translation>已打开检查点 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="374"/>
        <source>Open %1</source>
        <translation>打开 %1</translation>
    </message>
    <message>
        <location filename="../../gui/controllers/weights.py" line="375"/>
        <source>These weights do not fit the current network. Open them as a new network?

%1</source>
        <translation>这些权重与当前网络不匹配。是否将其作为新网络打开？

%1</translation>
    </message>
</context>
</TS>
