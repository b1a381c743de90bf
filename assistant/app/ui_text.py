"""Every word the web chat shows, in Chinese, in one place (labels, hints, toasts, errors, examples)."""

from __future__ import annotations

TITLE = "政策问答助手 · 优化营商环境政策文库"
PAGE_LANG = "zh-CN"

ALL = "全部"
ALL_DOCS = "全部文档"

EXAMPLES: dict[str, list[str]] = {
    "企业": ["开办企业几个工作日能办完？", "有外线的供水工程多久办结？"],
    "政府工作人员": [
        "哪些任务由税务局牵头？",
        "南宁海关配合哪些任务？",
        "11月30日前要完成的纳税任务有哪些？",
        "市场监管局牵头多少项？",
    ],
    "评估人员": ["第（十四）条讲什么？", "文库里有哪些文件？"],
}

# --- the 问答 tab ------------------------------------------------------------------------------------
TAB_CHAT = "问答"
TAB_LIBRARY = "文库"
CHAT_LABEL = "对话"
CHAT_PLACEHOLDER = "请在下方输入问题，或点击示例问题。回答中的 [任务70] 等标记可点开原文。"
QUESTION_PLACEHOLDER = "请输入问题，例如：开办企业几个工作日能办完？"
ASK = "提问"
PENDING = "正在检索…"
EMPTY_QUESTION = "请输入问题。"
BUSY = "上一个问题还在回答中，您输入的问题已保留，回答完成后再点“提问”。"
FILTERS = "筛选（文档、牵头单位、指标）"
FILTERS_NOTE = "筛选对之后的每个问题都有效，直到改回“全部”；当前筛选会显示在问题下方。"
SCOPE_LABEL = "只在这份文档中回答"
LEAD_LABEL = "牵头单位"
CATEGORY_LABEL = "指标名称"
CLEAR_FILTERS = "清除筛选"
EXAMPLES_TITLE = "示例问题"
SOURCES_TITLE = "引用来源"
SOURCES_EMPTY = "提问后，这里显示回答所引用的原文（任务清单行、措施、条文，引用句以黄色标出）。"
SOURCES_NONE = "本次回答没有引用原文。"
DOWNLOAD_CSV = "下载 CSV"
DOWNLOAD_XLSX = "下载 Excel"
COPY = "复制"
COPIED = "已复制为纯文本"
COPY_FAILED = "浏览器不允许复制，请选中回答文字后手动复制。"
SHOW_SOURCES = "查看来源"
FEEDBACK_PROMPT = "补充意见（可选），然后点“提交意见”"
FEEDBACK_SUBMIT = "提交意见"
FEEDBACK_SAVED_UP = "已记录反馈（👍 有帮助），谢谢！可在下方补充意见。"
FEEDBACK_SAVED_DOWN = "已记录反馈（👎 没帮助），谢谢！可在下方补充意见，说明哪里不对。"
FEEDBACK_COMMENT_SAVED = "已记录您的意见，谢谢！"
FEEDBACK_NO_ANSWER = "没有找到这条回答，请在新的回答上评价。"
FEEDBACK_FAILED = "反馈未能保存：{error}"
FEEDBACK_REMOVED = "已取消对这条回答的评价。"
ERROR_ANSWER = "抱歉，处理这个问题时出错了（{kind}），请换一种问法或稍后再试。"
SHOW_ALL_ROWS = "展开全部 {n} 项"
CONCLUSION_COUNT = "共 {n} 项"
UNIT_DIALOG_CLOSE = "关闭"
UNIT_LOADING = "正在打开原文…"
UNIT_MISSING = "找不到这条原文（文库可能已更新），请重新提问。"

# --- the 文库 tab ------------------------------------------------------------------------------------
LIBRARY_DOCS = "文库中的文档"
DOC_PICKER = "选择文档"
OUTLINE_TITLE = "目录"
TASKS_TITLE = "任务清单"
TASKS_NONE = "这份文档没有任务清单。"
TASK_SEARCH = "搜索任务（任意列中的词）"
TASK_SEARCH_PLACEHOLDER = "输入词语，多个词用空格隔开，例如：海关 出口"
TASKS_NO_MATCH = "没有符合搜索和筛选条件的任务。"
SORT_HINT = "点击按此列排序"
ROW_EXPAND_HINT = "点击这一行展开或收起全文"
SECTION_FILTER = "分组"
FILTER_LEAD = "牵头单位"
FILTER_SUPPORT = "配合单位"
FILTER_CATEGORY = "指标名称"
FILTER_DEADLINE = "完成时限"
ASK_THIS_DOC = "只问这份文档"
SCOPED_TO = "已设为只在《{title}》中回答。"
TASK_COUNT = "共 {shown} 项（本文档任务清单 {total} 项）"
UPLOAD_TITLE = "导入文档（工作人员）"
UPLOAD_HELP = ("支持 .txt .md .docx .doc .wps .pdf .ofd .html .xlsx .xls .csv .png .jpg，单个文件不超过 {limit}。文件会先完整检查，"
               "有问题的文件不会进入文库。导入后即可提问。")
UPLOAD_BUTTON = "导入到文库"
UPLOAD_FILES = "选择文件"
UPLOAD_OFF = "网页导入未开启。管理员可用 `assistant serve --allow-upload` 启动，或在命令行用 `assistant library add 文件` 导入。"
UPLOAD_NOTHING = "请先选择要导入的文件。"
UPLOAD_TOO_BIG = "文件 {name} 超过 {limit}，未导入。"
UPLOAD_BAD_TYPE = "无法读取文件 {name}：不支持的文件类型 {suffix}（支持 .txt .md .docx .doc .wps .pdf .ofd .html .xlsx .xls .csv .png .jpg）"
UPLOAD_RUNNING = "正在导入…"
UPLOAD_INDEXING = "正在更新检索索引（只计算新文档的部分）…"
UPLOAD_DONE = "导入完成，文库现有 {n} 份文档。"
UPLOAD_UNCHANGED = "文库没有变化。"

# --- Gradio's own words that its Chinese locale leaves in English (aria-labels, titles, toasts) -------
API_DOCS = "接口文档"
QUESTION_LABEL = "问题"
FEEDBACK_COMMENT_LABEL = "补充意见"
GRADIO_WORDS = {
    "common.complete": "已完成",  # Gradio's screen-reader status, when its own locale lacks the word
    "common.loading": "加载中",
    "common.error": "出错了",
    "Dataframe": "数据表",
    "Open cell menu": "打开单元格菜单",
    "Table actions": "表格操作",
    "Enter text to search the table": "输入文字搜索表格",
    "File upload": "上传文件",
    "Upload file": "上传文件",
    "Drop File Here": "把文件拖到这里",
    "Click to Upload": "点击上传",
    "Sort column": "排序",
    "Select all": "全选",
    "Remove": "移除",
    "Clear search": "清空搜索",
    "Dropdown": "下拉选择",
    "Textbox": "文本框",
    "Chatbot": "对话",
    "chatbot conversation": "对话",
    "Scroll down": "向下滚动",
    "Scroll to bottom": "滚动到底部",
    "Clear": "清空对话",
    "Copy message": "复制",
    "Copy": "复制",
    "Copied message": "已复制",
    "Copied!": "已复制",
    "Like": "赞",
    "Dislike": "踩",
    "Liked": "已赞",
    "Disliked": "已踩",
    "Retry": "重试",
    "Undo": "撤销",
    "Edit": "编辑",
    "Share": "分享",
    "Download": "下载",
    "Fullscreen": "全屏",
    "Exit fullscreen mode": "退出全屏",
    "Close": "关闭",
    "Search": "搜索",
    "Loading": "加载中",
    "Error": "错误",
    "Warning": "提示",
    "Info": "提示",
    "Connection errored out.": "与服务器的连接中断，请刷新页面或稍后再试。",
    "Connection errored out": "与服务器的连接中断，请刷新页面或稍后再试。",
    "Could not connect to the server.": "无法连接到服务器，请检查服务是否在运行，然后刷新页面。",
    "Lost connection to server": "与服务器的连接中断，请刷新页面或稍后再试。",
    "Connection to the server was lost. Attempting reconnection...": "与服务器的连接中断，正在尝试重新连接…",
    "Lost connection due to leaving page. Rejoining queue...": "离开页面后连接已断开，正在重新排队…",
    "Error connecting to server": "无法连接到服务器，请检查服务是否在运行，然后刷新页面。",
    "This application is currently busy. Please try again.": "服务器正忙，请稍后再试。",
    "Use via API": "通过 API 使用",
    "Built with Gradio": "使用 Gradio 构建",
    "Settings": "设置",
    "Remove": "移除",
    "Drop File Here": "将文件拖放到此处",
    "Click to Upload": "点击上传",
    "- or -": "或",
    "Uploading...": "正在上传…",
    "Search...": "搜索…",
    "Filter...": "筛选…",
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    "Clear sort": "取消排序",
    "Scroll to bottom": "回到底部",
    "chatbot conversation": "对话记录",
    "common.upload": "上传",
    "Click to upload or drop files": "点击上传或拖放文件",
    "More tabs": "更多标签页",
    "undo": "撤销",
    "retry": "重试",
    "Scroll down": "向下滚动",
    "Gradio footer navigation": "页脚导航",
    "Chatbot": "对话",
    "Select all": "全选",
}
