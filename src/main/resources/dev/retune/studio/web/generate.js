Studio.tab('generate', section => section.append(Studio.el('p', {class: 'muted'}, 'Coming up.')));
